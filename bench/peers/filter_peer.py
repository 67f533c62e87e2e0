"""Python peer of bugforge's filter stage, for bench/filter-merge.ts: the same checks on the same
store with the usual Python tools — py-tree-sitter (parse), a regex tokenizer, datasketch MinHash
(128 permutations) + MinHashLSH at the same threshold. Prints one JSON line of figures.

    python bench/peers/filter_peer.py <store dir> <run prefix> [--threshold 0.9] [--max-tokens 512]

Needs: tree-sitter, tree-sitter-c, tree-sitter-python, datasketch (a venv outside the repo).
Not a reimplementation to the letter (no rejected-row file, no per-bug-type report): the work
that costs — read, tokenize, parse each function once, hash, MinHash/LSH, write the kept rows.
"""
import argparse, glob, gzip, hashlib, json, os, re, resource, sys, time

import tree_sitter, tree_sitter_c, tree_sitter_python
from datasketch import MinHash, MinHashLSH

C_TOKEN = re.compile(r'//[^\n]*|/\*[\s\S]*?(?:\*/|$)|"(?:[^"\\\n]|\\.)*"?|\'(?:[^\'\\\n]|\\.)*\'?|0[xX][0-9a-fA-F]+[uUlL]*|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[uUlLfF]*|[A-Za-z_]\w*|<<=|>>=|\.\.\.|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[+\-*/%&|^!=<>]=|[^\s\w]')
PY_TOKEN = re.compile(r'#[^\n]*|[rRbBuUfF]{0,2}(?:"""[\s\S]*?(?:"""|$)|\'\'\'[\s\S]*?(?:\'\'\'|$))|[rRbBuUfF]{0,2}(?:"(?:[^"\\\n]|\\.)*"?|\'(?:[^\'\\\n]|\\.)*\'?)|0[xXoObB][0-9a-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?[jJ]?|[A-Za-z_]\w*|\*\*=|//=|>>=|<<=|->|:=|\*\*|//|<<|>>|<=|>=|==|!=|[+\-*/%&|^@]=|[^\s\w]')


def tokens(code, lang):
    pattern, comment = (PY_TOKEN, ('#',)) if lang == 'python' else (C_TOKEN, ('//', '/*'))
    return [t for t in pattern.findall(code) if not t.startswith(comment)]


def errors(node):
    if node.type == 'ERROR' or node.is_missing:
        return 1
    return sum(errors(c) for c in node.children) if node.has_error else 0


def records(path):
    with gzip.open(path, 'rt', encoding='utf-8') as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('store'); ap.add_argument('prefix')
    ap.add_argument('--threshold', type=float, default=0.9); ap.add_argument('--max-tokens', type=int, default=512)
    ap.add_argument('--min-lines', type=int, default=3); ap.add_argument('--min-chars', type=int, default=0)
    a = ap.parse_args()
    parsers = {'c': tree_sitter.Parser(tree_sitter.Language(tree_sitter_c.language())),
               'python': tree_sitter.Parser(tree_sitter.Language(tree_sitter_python.language()))}
    started, cpu0 = time.time(), time.process_time()
    root = os.path.join(a.store, a.prefix)
    real_code, origin_issues, seen = {}, {}, set()
    n_real = 0
    for split in ('train', 'validation', 'test'):
        for r in records(os.path.join(root, '01-analyze', 'dataset', f'{split}.jsonl.gz')):
            tree = parsers[r['lang']].parse(r['func'].encode())
            h = hashlib.sha1(' '.join(tokens(r['func'], r['lang'])).encode()).digest()
            real_code[r['id']] = h; seen.add(h); origin_issues[r['id']] = errors(tree.root_node); n_real += 1
    lsh = MinHashLSH(threshold=a.threshold, num_perm=128)
    kept = 0; n_syn = 0
    out = gzip.open(os.path.join(a.store, 'peer_filtered.jsonl.gz'), 'wt', compresslevel=1, encoding='utf-8')
    for path in sorted(glob.glob(os.path.join(root, '02-generate', 'batch-*', 'batch-*.jsonl.gz'))):
        for r in records(path):
            n_syn += 1
            origin = real_code.get(r.get('origin_id'))
            if origin is None: continue
            code = r['func']
            if code.count('\n') + (0 if code.endswith('\n') else 1) < a.min_lines or len(code.strip()) < a.min_chars: continue
            toks = tokens(code, r['lang'])
            if len(toks) > a.max_tokens: continue
            tree = parsers[r['lang']].parse(code.encode())
            if errors(tree.root_node) > origin_issues[r['origin_id']]: continue
            top = [c for c in tree.root_node.named_children if c.type != 'comment']
            if len([c for c in top if c.type in ('function_definition', 'decorated_definition')]) != 1 or len(top) != 1: continue
            h = hashlib.sha1(' '.join(toks).encode()).digest()
            if h == origin or h in seen: continue
            m = MinHash(num_perm=128)
            for i in range(max(1, len(toks) - 2)):
                m.update(' '.join(toks[i:i + 3]).encode())
            if lsh.query(m): continue
            lsh.insert(r['id'], m); seen.add(h); kept += 1
            out.write(json.dumps(r) + '\n')
    out.close()
    cpu = time.process_time() - cpu0
    print(json.dumps({'peer': 'py-tree-sitter + datasketch', 'rows': n_real + n_syn, 'kept': kept, 'seconds': time.time() - started,
                      'cpuSeconds': cpu, 'peakRssBytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))


if __name__ == '__main__':
    sys.exit(main())
