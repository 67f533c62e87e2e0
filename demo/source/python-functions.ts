// The bugforge demo set: Python functions written for this project, with their bug marked as
// «clean¦buggy» (see c-functions.ts for the template rules; %p% is a name prefix).
import type { FunctionTemplate } from './c-functions.js';

export const PYTHON_TEMPLATES: FunctionTemplate[] = [
  {
    name: 'py-parse-record', bugType: 'off-by-one', lang: 'python', code: String.raw`def %p%_parse_record(data: bytes) -> tuple[int, bytes]:
    if len(data) < 3:
        raise ValueError("record too short")
    kind = data[0]
    length = int.from_bytes(data[1:3], "big")
    payload = data[3:3 + length«¦ + 1»]
    if len(payload) != length:
        raise ValueError("truncated record")
    return kind, payload
`,
  },
  {
    name: 'py-chunks', bugType: 'off-by-one', lang: 'python', code: String.raw`def %p%_chunks(items: list, size: int) -> list[list]:
    if size <= 0:
        raise ValueError("size must be positive")
    out = []
    for start in range(0, len(items)«¦ - 1», size):
        out.append(items[start:start + size])
    return out
`,
  },
  {
    name: 'py-nested-get', bugType: 'removed-null-check', lang: 'python', code: String.raw`def %p%_nested_get(config: dict, path: str, default=None):
    node = config
    for key in path.split("."):
«        if not isinstance(node, dict) or key not in node:
            return default
¦»        node = node[key]
    return node
`,
  },
  {
    name: 'py-binary-search', bugType: 'off-by-one', lang: 'python', code: String.raw`def %p%_find(sorted_keys: list[int], key: int) -> int:
    lo, hi = 0, len(sorted_keys) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if sorted_keys[mid] == key:
            return mid
        if sorted_keys[mid] < key:
            lo = mid + 1
        else:
            hi = mid«¦ - 1»
    return -1
`,
  },
  {
    name: 'py-merge-ranges', bugType: 'operator-swap', lang: 'python', code: String.raw`def %p%_merge_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start «<=¦>» merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
`,
  },
  {
    name: 'py-varint', bugType: 'removed-bounds-check', lang: 'python', code: String.raw`def %p%_read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = 0
    shift = 0
    while True:
«        if pos >= len(buf):
            raise EOFError("varint runs past the end of the buffer")
¦»        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
`,
  },
  {
    name: 'py-read-config', bugType: 'variable-misuse', lang: 'python', code: String.raw`def %p%_read_config(lines: list[str]) -> dict[str, str]:
    result = {}
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ValueError(f"line {number}: expected key=value")
        result[key.strip()] = «value¦key».strip()
    return result
`,
  },
  {
    name: 'py-close-all', bugType: 'wrong-error-return', lang: 'python', code: String.raw`def %p%_close_all(handles: list) -> list[Exception]:
    errors = []
    for handle in handles:
        try:
            handle.close()
        except OSError as error:
            errors.append(error)
«¦            return errors
»    return errors
`,
  },
];
