// The bugforge demo set: C functions written for this project (not taken from any other project
// or data set). Each template holds one function with its bug marked as «clean¦buggy»; the build
// (../build.ts) expands it into a clean (label 0) and a buggy (label 1) version, in a few naming
// variants (%p% prefix, %ctx% struct, %buf% buffer, %len% length, %u8% byte type).
export interface FunctionTemplate { name: string; bugType: string; lang: 'c' | 'python'; code: string }

export const C_TEMPLATES: FunctionTemplate[] = [
  {
    name: 'ring-push', bugType: 'off-by-one', lang: 'c', code: String.raw`int %p%_ring_push(%ctx%Ring *ring, %u8% value)
{
    size_t next = ring->head + 1;

    if (next «==¦>» ring->capacity)
        next = 0;
    if (next == ring->tail)
        return -1; /* full: one slot stays free to tell full from empty */
    ring->%buf%[ring->head] = value;
    ring->head = next;
    return 0;
}
`,
  },
  {
    name: 'strlcpy', bugType: 'off-by-one', lang: 'c', code: String.raw`size_t %p%_strlcpy(char *dst, const char *src, size_t %len%)
{
    size_t srclen = strlen(src);

    if (%len% > 0) {
        size_t n = srclen «>=¦>» %len% ? %len% - 1 : srclen;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return srclen;
}
`,
  },
  {
    name: 'read-be16', bugType: 'removed-bounds-check', lang: 'c', code: String.raw`static int %p%_read_be16(%ctx%Reader *r, unsigned *out)
{
    const %u8% *p = r->%buf% + r->pos;

«    if (r->pos + 2 > r->%len%)
        return -1;
¦»    *out = (p[0] << 8) | p[1];
    r->pos += 2;
    return 0;
}
`,
  },
  {
    name: 'list-remove', bugType: 'use-after-free', lang: 'c', code: String.raw`void %p%_list_remove_all(%ctx%Node **head, int key)
{
    %ctx%Node **link = head;

    while (*link) {
        %ctx%Node *node = *link;
        if (node->key == key) {
«            *link = node->next;
            free(node);
¦            free(node);
            *link = node->next;
»        } else {
            link = &node->next;
        }
    }
}
`,
  },
  {
    name: 'array-grow', bugType: 'integer-overflow', lang: 'c', code: String.raw`static int %p%_array_grow(%ctx%Array *arr, size_t min_items)
{
    size_t new_cap = arr->capacity ? arr->capacity * 2 : 16;
    void *items;

    while (new_cap < min_items)
        new_cap *= 2;
«    if (new_cap > SIZE_MAX / arr->item_size)
        return -ENOMEM;
¦»    items = realloc(arr->items, new_cap * arr->item_size);
    if (!items)
        return -ENOMEM;
    arr->items = items;
    arr->capacity = new_cap;
    return 0;
}
`,
  },
  {
    name: 'parse-kv', bugType: 'removed-null-check', lang: 'c', code: String.raw`static int %p%_parse_option(%ctx%Options *opts, char *line)
{
    char *eq = strchr(line, '=');

«    if (!eq)
        return -EINVAL;
¦»    *eq = '\0';
    if (!strcmp(line, "timeout"))
        opts->timeout = atoi(eq + 1);
    else if (!strcmp(line, "retries"))
        opts->retries = atoi(eq + 1);
    else
        return -ENOENT;
    return 0;
}
`,
  },
  {
    name: 'header-flags', bugType: 'operator-swap', lang: 'c', code: String.raw`static int %p%_parse_header(%ctx%Packet *pkt, const %u8% *%buf%, int %len%)
{
    if (%len% < 4)
        return -1;
    pkt->version = %buf%[0] >> 4;
    pkt->has_checksum = (%buf%[0] «&¦|» 0x08) != 0;
    pkt->keyframe = (%buf%[0] & 0x04) != 0;
    pkt->payload_size = (%buf%[2] << 8) | %buf%[3];
    if (pkt->payload_size > %len% - 4)
        return -1;
    return 0;
}
`,
  },
  {
    name: 'open-context', bugType: 'missing-free', lang: 'c', code: String.raw`%ctx% *%p%_open(const char *path)
{
    %ctx% *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->%buf% = malloc(4096);
    if (!s->%buf%) {
        free(s);
        return NULL;
    }
    s->fd = open(path, O_RDONLY);
    if (s->fd < 0) {
«        free(s->%buf%);
¦»        free(s);
        return NULL;
    }
    return s;
}
`,
  },
  {
    name: 'decoder-init', bugType: 'double-free', lang: 'c', code: String.raw`static int %p%_decoder_init(%ctx%Decoder *dec, int width, int height)
{
    dec->frame = malloc((size_t)width * height);
    if (!dec->frame)
        return -ENOMEM;
    dec->scratch = malloc(width);
    if (!dec->scratch) {
        free(dec->frame);
«        dec->frame = NULL;
¦»        return -ENOMEM;
    }
    dec->width = width;
    dec->height = height;
    return 0;
}
`,
  },
  {
    name: 'hex-decode', bugType: 'off-by-one', lang: 'c', code: String.raw`int %p%_hex_decode(%u8% *out, const char *hex, size_t %len%)
{
    size_t i;

    if (%len% % 2)
        return -1;
    for (i = 0; i «<¦<=» %len%; i += 2) {
        int hi = hex_digit(hex[i]);
        int lo = hex_digit(hex[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i / 2] = (hi << 4) | lo;
    }
    return (int)(%len% / 2);
}
`,
  },
  {
    name: 'memdup', bugType: 'removed-null-check', lang: 'c', code: String.raw`void *%p%_memdup(const void *src, size_t %len%)
{
    void *copy = malloc(%len%);

«    if (!copy)
        return NULL;
¦»    memcpy(copy, src, %len%);
    return copy;
}
`,
  },
  {
    name: 'get-bits', bugType: 'removed-bounds-check', lang: 'c', code: String.raw`static unsigned %p%_get_bits(%ctx%BitReader *br, int n)
{
    unsigned value = 0;

    while (n-- > 0) {
«        if (br->index >= br->size_in_bits)
            return value;
¦»        value <<= 1;
        value |= (br->%buf%[br->index >> 3] >> (7 - (br->index & 7))) & 1;
        br->index++;
    }
    return value;
}
`,
  },
  {
    name: 'queue-pop', bugType: 'wrong-error-return', lang: 'c', code: String.raw`int %p%_queue_pop(%ctx%Queue *q, %ctx%Item *out)
{
    int ret;

    pthread_mutex_lock(&q->lock);
    if (q->count == 0) {
        pthread_mutex_unlock(&q->lock);
        return «-EAGAIN¦0»;
    }
    *out = q->items[q->first];
    q->first = (q->first + 1) % q->capacity;
    q->count--;
    ret = q->count;
    pthread_mutex_unlock(&q->lock);
    return ret + 1;
}
`,
  },
  {
    name: 'opcode-switch', bugType: 'missing-break', lang: 'c', code: String.raw`static int %p%_exec_op(%ctx%VM *vm, int op, int arg)
{
    switch (op) {
    case OP_PUSH:
        vm->stack[vm->sp++] = arg;
        break;
    case OP_ADD:
        vm->stack[vm->sp - 2] += vm->stack[vm->sp - 1];
        vm->sp--;
«        break;
¦»    case OP_DROP:
        vm->sp--;
        break;
    default:
        return -1;
    }
    return 0;
}
`,
  },
  {
    name: 'sum-samples', bugType: 'uninitialized-variable', lang: 'c', code: String.raw`static int64_t %p%_sum_abs(const int16_t *samples, int %len%)
{
    int64_t sum« = 0¦»;
    int i;

    for (i = 0; i < %len%; i++) {
        int v = samples[i];
        sum += v < 0 ? -v : v;
    }
    return sum;
}
`,
  },
  {
    name: 'rtrim', bugType: 'integer-overflow', lang: 'c', code: String.raw`void %p%_rtrim(char *s)
{
    size_t %len% = strlen(s);

«    while (%len% > 0 && isspace((unsigned char)s[%len% - 1]))
¦    while (isspace((unsigned char)s[%len% - 1]))
»        %len%--;
    s[%len%] = '\0';
}
`,
  },
  {
    name: 'table-lookup', bugType: 'off-by-one', lang: 'c', code: String.raw`const char *%p%_codec_name(const %ctx%Registry *reg, unsigned id)
{
    if (id «>=¦>» reg->count)
        return "unknown";
    if (!reg->entries[id].name)
        return "unnamed";
    return reg->entries[id].name;
}
`,
  },
  {
    name: 'copy-frame', bugType: 'swapped-arguments', lang: 'c', code: String.raw`static void %p%_copy_plane(%u8% *dst, int dst_stride, const %u8% *src, int src_stride, int width, int height)
{
    int y;

    for (y = 0; y < height; y++) {
        memcpy(«dst, src¦src, dst», width);
        dst += dst_stride;
        src += src_stride;
    }
}
`,
  },
  {
    name: 'buffer-append', bugType: 'missing-free', lang: 'c', code: String.raw`int %p%_buffer_append(%ctx%Buffer *b, const void *data, size_t %len%)
{
    if (b->used + %len% > b->size) {
        size_t size = (b->used + %len%) * 2;
«        char *p = realloc(b->%buf%, size);
        if (!p)
            return -ENOMEM;
        b->%buf% = p;
¦        b->%buf% = realloc(b->%buf%, size);
        if (!b->%buf%)
            return -ENOMEM;
»        b->size = size;
    }
    memcpy(b->%buf% + b->used, data, %len%);
    b->used += %len%;
    return 0;
}
`,
  },
  {
    name: 'unref', bugType: 'use-after-free', lang: 'c', code: String.raw`void %p%_packet_unref(%ctx%Packet **ppkt)
{
    %ctx%Packet *pkt = *ppkt;

    if (!pkt)
        return;
    if (--pkt->refcount == 0) {
        free(pkt->%buf%);
        free(pkt);
    }
«    *ppkt = NULL;
¦    pkt->%buf% = NULL;
    *ppkt = NULL;
»}
`,
  },
  {
    name: 'checksum', bugType: 'variable-misuse', lang: 'c', code: String.raw`static uint32_t %p%_adler32(const %u8% *%buf%, size_t %len%)
{
    uint32_t a = 1, b = 0;
    size_t i;

    for (i = 0; i < %len%; i++) {
        a = (a + %buf%[i]) % 65521;
        b = (b + «a¦%buf%[i]») % 65521;
    }
    return (b << 16) | a;
}
`,
  },
  {
    name: 'utf8-len', bugType: 'removed-bounds-check', lang: 'c', code: String.raw`static int %p%_utf8_decode(const %u8% *s, size_t %len%, uint32_t *cp)
{
    if (%len% == 0)
        return 0;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xE0) == 0xC0) {
«        if (%len% < 2)
            return -1;
¦»        *cp = ((s[0] & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    return -1;
}
`,
  },
  {
    name: 'list-insert-sorted', bugType: 'removed-null-check', lang: 'c', code: String.raw`void %p%_insert_sorted(%ctx%Node **head, %ctx%Node *node)
{
    %ctx%Node *cur = *head;

    if (!cur || node->key < cur->key) {
        node->next = cur;
        *head = node;
        return;
    }
    while («cur->next && ¦»cur->next->key < node->key)
        cur = cur->next;
    node->next = cur->next;
    cur->next = node;
}
`,
  },
  {
    name: 'scale-clip', bugType: 'operator-swap', lang: 'c', code: String.raw`static void %p%_apply_gain(int16_t *samples, int %len%, int gain_q8)
{
    int i;

    for (i = 0; i < %len%; i++) {
        int v = (samples[i] * gain_q8) >> 8;
        if (v «>¦<» 32767)
            v = 32767;
        else if (v < -32768)
            v = -32768;
        samples[i] = v;
    }
}
`,
  },
];
