/* The extractor's hot loops in C, each the twin of a Python function that stays the reference:
 * the DOM passes (block_walker.py's walk, html_blocks.py's chrome candidates, the links' hrefs),
 * without a Python object per node (the walk was a third of the extractor's time), and the
 * repeated-line sightings (boilerplate.py: a BLAKE2b hash and two dict operations per line).
 *
 * The tree is selectolax's: a node is known by its address (selectolax's `mem_id`) and read
 * through lexbor's own functions, which selectolax's extension exports; they are looked up in
 * it once (`configure`). Only a text node's data is read at a fixed offset (lexbor has no
 * function that returns it without a copy); block_walker checks that offset, and this walk's
 * output against the Python walk's on a probe page, before it uses this module at all.
 *
 * Semantics, kinds and constants: block_walker.py and html_blocks.py, which this mirrors line
 * for line (the Python walk stays the reference, and the fallback where this does not build).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct lxb_node lxb_node; /* lexbor's lxb_dom_node_t, never read directly */

static uintptr_t (*node_tag_id)(lxb_node *);
static lxb_node *(*node_next)(lxb_node *);
static lxb_node *(*node_first_child)(lxb_node *);
static lxb_node *(*node_parent)(lxb_node *);
static unsigned int (*node_type)(lxb_node *);
static const unsigned char *(*element_get_attribute)(lxb_node *, const unsigned char *, size_t, size_t *);
static unsigned char *(*str_data)(void *);
static size_t (*str_length)(void *);

/* Set by configure. */
static Py_ssize_t text_offset = -1;    /* of the lexbor_str_t inside a text node */
static unsigned char *kinds = NULL;    /* node kind by tag id (block_walker.KINDS) */
static Py_ssize_t kinds_size = 0;
static PyObject *block_names = NULL;   /* list: block tag name by tag id, or None */
static PyObject *block_type = NULL;    /* html_blocks.Block */
static uintptr_t text_tag_id = 0;
static Py_ssize_t max_block_depth = 0;
static PyObject *pre_name = NULL, *space = NULL, *newline = NULL;

enum { INLINE, TEXT, COMMENT, SKIP, ANCHOR, BLOCK, BREAK, PRE };
enum { NOT_LINK, LINK, SELF_ANCHOR };
enum { CLOSE_BLOCK, RESTORE_LINK };

typedef struct {
    lxb_node *node;
    int action;
} Frame;

typedef struct {
    /* The current block's text, as the page's UTF-8 bytes, and where each part ends. */
    char *text;
    Py_ssize_t text_len, text_cap;
    Py_ssize_t *part_ends;
    Py_ssize_t parts, parts_cap;
    char *collapsed; /* the block's text with its whitespace collapsed */
    Py_ssize_t collapsed_cap;
    long link_chars;
    int link;
    /* Open block elements, innermost last: serial number, node and tag name (borrowed). */
    Py_ssize_t *stack;
    lxb_node **stack_nodes;
    PyObject **stack_tags;
    Py_ssize_t depth, depth_cap;
    PyObject *ancestors; /* tuple of the stack, built once per stack state */
    Frame *frames;
    Py_ssize_t frame_count, frame_cap;
    const uintptr_t *skipped; /* sorted addresses */
    Py_ssize_t skipped_count;
    PyObject *blocks, *addresses, *tags;
} Walk;

static int grow(void **buffer, Py_ssize_t *capacity, Py_ssize_t needed, size_t item) {
    if (needed <= *capacity)
        return 0;
    Py_ssize_t cap = *capacity ? *capacity : 16;
    while (cap < needed)
        cap *= 2;
    void *grown = PyMem_Realloc(*buffer, (size_t)cap * item);
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *buffer = grown;
    *capacity = cap;
    return 0;
}

static int is_ascii_space(unsigned char c) { /* str.isspace() of an ASCII character */
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* display_width: each non-ASCII character counts twice. */
static Py_ssize_t display_width(PyObject *text, Py_ssize_t start, Py_ssize_t end) {
    if (PyUnicode_IS_ASCII(text))
        return end - start;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t width = 0;
    for (Py_ssize_t i = start; i < end; i++)
        width += PyUnicode_READ(kind, data, i) < 128 ? 1 : 2;
    return width;
}

/* display_width(text.strip()) of UTF-8 bytes. */
static int stripped_width(const unsigned char *data, size_t length, long *width) {
    size_t i;
    for (i = 0; i < length && data[i] < 128; i++)
        ;
    if (i == length) { /* ASCII */
        size_t start = 0, end = length;
        while (start < end && is_ascii_space(data[start]))
            start++;
        while (end > start && is_ascii_space(data[end - 1]))
            end--;
        *width += (long)(end - start);
        return 0;
    }
    PyObject *text = PyUnicode_DecodeUTF8((const char *)data, (Py_ssize_t)length, "replace");
    if (text == NULL)
        return -1;
    int kind = PyUnicode_KIND(text);
    const void *chars = PyUnicode_DATA(text);
    Py_ssize_t start = 0, end = PyUnicode_GET_LENGTH(text);
    while (start < end && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, chars, start)))
        start++;
    while (end > start && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, chars, end - 1)))
        end--;
    *width += (long)display_width(text, start, end);
    Py_DECREF(text);
    return 0;
}

/* str.isspace() of UTF-8 bytes: false for the empty string. */
static int is_space(const unsigned char *data, size_t length) {
    if (length == 0)
        return 0;
    size_t i;
    for (i = 0; i < length; i++) {
        if (data[i] >= 128)
            break;
        if (!is_ascii_space(data[i]))
            return 0;
    }
    if (i == length)
        return 1;
    PyObject *text = PyUnicode_DecodeUTF8((const char *)data, (Py_ssize_t)length, "replace");
    if (text == NULL)
        return -1;
    int kind = PyUnicode_KIND(text);
    const void *chars = PyUnicode_DATA(text);
    int space_only = 1;
    for (Py_ssize_t k = 0; k < PyUnicode_GET_LENGTH(text) && space_only; k++)
        space_only = Py_UNICODE_ISSPACE(PyUnicode_READ(kind, chars, k));
    Py_DECREF(text);
    return space_only;
}

static void text_of(lxb_node *node, const unsigned char **data, size_t *length) {
    void *str = (char *)node + text_offset;
    *data = str_data(str);
    *length = *data != NULL ? str_length(str) : 0;
}

static PyObject *decode(const char *data, Py_ssize_t length) {
    return PyUnicode_DecodeUTF8(data, length, "replace");
}

/* The block's text as the Python walk joins it: each part decoded on its own (they are whole
 * UTF-8 sequences in practice, so one decode of all of them is tried first). */
static PyObject *joined_parts(Walk *walk) {
    PyObject *text = PyUnicode_DecodeUTF8(walk->text, walk->text_len, NULL);
    if (text != NULL || !PyErr_ExceptionMatches(PyExc_UnicodeDecodeError))
        return text;
    PyErr_Clear();
    PyObject *parts = PyList_New(walk->parts);
    if (parts == NULL)
        return NULL;
    Py_ssize_t start = 0;
    for (Py_ssize_t i = 0; i < walk->parts; i++) {
        PyObject *part = decode(walk->text + start, walk->part_ends[i] - start);
        if (part == NULL) {
            Py_DECREF(parts);
            return NULL;
        }
        PyList_SET_ITEM(parts, i, part);
        start = walk->part_ends[i];
    }
    PyObject *empty = PyUnicode_FromStringAndSize("", 0);
    text = empty != NULL ? PyUnicode_Join(empty, parts) : NULL;
    Py_XDECREF(empty);
    Py_DECREF(parts);
    return text;
}

static PyObject *ancestors(Walk *walk) {
    if (walk->ancestors == NULL) {
        walk->ancestors = PyTuple_New(walk->depth);
        if (walk->ancestors == NULL)
            return NULL;
        for (Py_ssize_t i = 0; i < walk->depth; i++) {
            PyObject *serial = PyLong_FromSsize_t(walk->stack[i]);
            if (serial == NULL) {
                Py_CLEAR(walk->ancestors);
                return NULL;
            }
            PyTuple_SET_ITEM(walk->ancestors, i, serial);
        }
    }
    return walk->ancestors;
}

static int add_block(Walk *walk, PyObject *text, Py_ssize_t width, long link_chars, PyObject *tag) {
    PyObject *chain = ancestors(walk);
    if (chain == NULL)
        return -1;
    PyObject *w = PyLong_FromSsize_t(width);
    PyObject *l = PyLong_FromLong(link_chars);
    PyObject *block = NULL;
    if (w != NULL && l != NULL) {
        PyObject *args[] = {text, w, l, chain, tag};
        block = PyObject_Vectorcall(block_type, args, 5, NULL);
    }
    Py_XDECREF(w);
    Py_XDECREF(l);
    if (block == NULL)
        return -1;
    int failed = PyList_Append(walk->blocks, block);
    Py_DECREF(block);
    return failed;
}

/* The length of the whitespace character (str.isspace) that starts at `at`, or 0. */
static size_t space_at(const unsigned char *at, const unsigned char *end) {
    unsigned char lead = at[0];
    if (lead < 128)
        return (size_t)is_ascii_space(lead);
    if (lead == 0xC2) /* U+0085, U+00A0 */
        return end - at >= 2 && (at[1] == 0x85 || at[1] == 0xA0) ? 2 : 0;
    if (end - at < 3)
        return 0;
    if (lead == 0xE1) /* U+1680 */
        return at[1] == 0x9A && at[2] == 0x80 ? 3 : 0;
    if (lead == 0xE2) { /* U+2000-200A, U+2028, U+2029, U+202F; U+205F */
        if (at[1] == 0x80)
            return (at[2] >= 0x80 && at[2] <= 0x8A) || at[2] == 0xA8 || at[2] == 0xA9 || at[2] == 0xAF ? 3 : 0;
        return at[1] == 0x81 && at[2] == 0x9F ? 3 : 0;
    }
    if (lead == 0xE3) /* U+3000 */
        return at[1] == 0x80 && at[2] == 0x80 ? 3 : 0;
    return 0;
}

/* " ".join(text.split()) of the block's text, done on its UTF-8 bytes, then decoded once; NULL
 * without an error where the result is not valid UTF-8 (then the caller does it the Python
 * walk's way). */
static PyObject *collapsed_text(Walk *walk) {
    if (grow((void **)&walk->collapsed, &walk->collapsed_cap, walk->text_len + 1, 1))
        return NULL;
    const unsigned char *read = (const unsigned char *)walk->text, *end = read + walk->text_len;
    unsigned char *start = (unsigned char *)walk->collapsed, *write = start;
    int pending_space = 0;
    while (read < end) {
        size_t space = space_at(read, end);
        if (space) {
            pending_space = write != start;
            read += space;
            continue;
        }
        if (pending_space) {
            *write++ = ' ';
            pending_space = 0;
        }
        size_t length = read[0] < 0x80 ? 1 : read[0] < 0xE0 ? 2 : read[0] < 0xF0 ? 3 : 4;
        if (length > (size_t)(end - read))
            length = (size_t)(end - read);
        memcpy(write, read, length);
        write += length;
        read += length;
    }
    PyObject *text = PyUnicode_DecodeUTF8(walk->collapsed, (Py_ssize_t)(write - start), NULL);
    if (text == NULL && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError))
        PyErr_Clear();
    return text;
}

/* The block's text as the Python walk makes it: the parts decoded one by one, joined, then its
 * whitespace collapsed (collapsed_text's slow way, kept for bytes that are not UTF-8). */
static PyObject *collapsed_parts(Walk *walk) {
    PyObject *raw = joined_parts(walk);
    if (raw == NULL)
        return NULL;
    PyObject *words = PyUnicode_Split(raw, NULL, -1);
    Py_DECREF(raw);
    if (words == NULL)
        return NULL;
    PyObject *text = PyUnicode_Join(space, words);
    Py_DECREF(words);
    return text;
}

static int flush(Walk *walk) {
    PyObject *text = collapsed_text(walk);
    if (text == NULL) {
        if (PyErr_Occurred())
            return -1;
        text = collapsed_parts(walk);
        if (text == NULL)
            return -1;
    }
    int failed = 0;
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    if (length) {
        Py_ssize_t width = display_width(text, 0, length);
        long link_chars = walk->link_chars < width ? walk->link_chars : (long)width;
        failed = add_block(walk, text, width, link_chars, walk->stack_tags[walk->depth - 1]);
    }
    Py_DECREF(text);
    walk->text_len = 0;
    walk->parts = 0;
    walk->link_chars = 0;
    return failed;
}

/* The stack arrays grow together: keep one capacity for all three. */
static int push_block(Walk *walk, lxb_node *node, PyObject *tag) {
    Py_ssize_t serial = PyList_GET_SIZE(walk->addresses);
    PyObject *address = PyLong_FromVoidPtr(node);
    if (address == NULL)
        return -1;
    int failed = PyList_Append(walk->addresses, address) || PyList_Append(walk->tags, tag);
    Py_DECREF(address);
    if (failed)
        return -1;
    if (walk->depth == walk->depth_cap) {
        Py_ssize_t cap = walk->depth_cap ? walk->depth_cap * 2 : 64;
        Py_ssize_t *stack = PyMem_Realloc(walk->stack, (size_t)cap * sizeof(Py_ssize_t));
        if (stack != NULL)
            walk->stack = stack;
        lxb_node **nodes = PyMem_Realloc(walk->stack_nodes, (size_t)cap * sizeof(lxb_node *));
        if (nodes != NULL)
            walk->stack_nodes = nodes;
        PyObject **tags = PyMem_Realloc(walk->stack_tags, (size_t)cap * sizeof(PyObject *));
        if (tags != NULL)
            walk->stack_tags = tags;
        if (stack == NULL || nodes == NULL || tags == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        walk->depth_cap = cap;
    }
    walk->stack[walk->depth] = serial;
    walk->stack_nodes[walk->depth] = node;
    walk->stack_tags[walk->depth] = tag;
    walk->depth++;
    Py_CLEAR(walk->ancestors);
    return 0;
}

static void pop_block(Walk *walk) {
    walk->depth--;
    Py_CLEAR(walk->ancestors);
}

static int append_text(Walk *walk, const unsigned char *data, size_t length) {
    if (grow((void **)&walk->text, &walk->text_cap, walk->text_len + (Py_ssize_t)length, 1) ||
        grow((void **)&walk->part_ends, &walk->parts_cap, walk->parts + 1, sizeof(Py_ssize_t)))
        return -1;
    if (length)
        memcpy(walk->text + walk->text_len, data, length);
    walk->text_len += (Py_ssize_t)length;
    walk->part_ends[walk->parts++] = walk->text_len;
    return 0;
}

/* A preformatted element: one block per line of its whole text, right-stripped, blank lines
 * left out (block_walker's _add_preformatted, after selectolax's text(deep=True)). */
static int add_preformatted(Walk *walk, lxb_node *pre) {
    Py_ssize_t start = walk->text_len; /* the pre's text goes after the (flushed, empty) block text */
    lxb_node *node = node_first_child(pre);
    while (node != NULL) {
        if (node_tag_id(node) == text_tag_id) {
            const unsigned char *data;
            size_t length;
            text_of(node, &data, &length);
            if (data != NULL && append_text(walk, data, length))
                return -1;
        }
        lxb_node *next = node_first_child(node);
        while (next == NULL && node != pre) { /* climb to the next node of the subtree, if any */
            next = node_next(node);
            if (next == NULL)
                node = node_parent(node);
        }
        node = next;
    }
    PyObject *text = decode(walk->text + start, walk->text_len - start);
    walk->text_len = start;
    walk->parts = 0;
    if (text == NULL)
        return -1;
    PyObject *lines = PyUnicode_Split(text, newline, -1);
    Py_DECREF(text);
    if (lines == NULL)
        return -1;
    int failed = 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(lines) && !failed; i++) {
        PyObject *line = PyList_GET_ITEM(lines, i);
        int kind = PyUnicode_KIND(line);
        const void *chars = PyUnicode_DATA(line);
        Py_ssize_t end = PyUnicode_GET_LENGTH(line);
        while (end > 0 && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, chars, end - 1)))
            end--;
        if (!end)
            continue;
        PyObject *stripped = PyUnicode_Substring(line, 0, end);
        if (stripped == NULL)
            failed = -1;
        else {
            failed = add_block(walk, stripped, display_width(stripped, 0, end), 0, pre_name);
            Py_DECREF(stripped);
        }
    }
    Py_DECREF(lines);
    return failed;
}

static PyObject *attribute_text(lxb_node *element, const char *name) {
    size_t length = 0;
    const unsigned char *value = element_get_attribute(element, (const unsigned char *)name, strlen(name), &length);
    if (value == NULL)
        Py_RETURN_NONE;
    return decode((const char *)value, (Py_ssize_t)length);
}

/* block_walker's _link_kind: no href, a link, or a link to the id of the block the text is in
 * or of its parent block. */
static int link_kind(Walk *walk, lxb_node *anchor) {
    size_t length = 0;
    const unsigned char *href = element_get_attribute(anchor, (const unsigned char *)"href", 4, &length);
    if (href == NULL || length == 0)
        return NOT_LINK;
    if (href[0] != '#')
        return LINK;
    PyObject *target = decode((const char *)href + 1, (Py_ssize_t)length - 1);
    if (target == NULL)
        return -1;
    int kind = LINK;
    for (Py_ssize_t i = walk->depth > 2 ? walk->depth - 2 : 0; i < walk->depth && kind == LINK; i++) {
        PyObject *id = attribute_text(walk->stack_nodes[i], "id");
        if (id == NULL) {
            kind = -1;
            break;
        }
        if (id == Py_None) {
            Py_DECREF(id);
            id = PyUnicode_FromStringAndSize("", 0);
            if (id == NULL) {
                kind = -1;
                break;
            }
        }
        if (PyUnicode_Compare(id, target) == 0)
            kind = SELF_ANCHOR;
        Py_DECREF(id);
    }
    Py_DECREF(target);
    return kind;
}

static int is_skipped(Walk *walk, lxb_node *node) {
    uintptr_t address = (uintptr_t)node;
    Py_ssize_t low = 0, high = walk->skipped_count;
    while (low < high) {
        Py_ssize_t middle = (low + high) / 2;
        if (walk->skipped[middle] < address)
            low = middle + 1;
        else
            high = middle;
    }
    return low < walk->skipped_count && walk->skipped[low] == address;
}

static int push_frame(Walk *walk, lxb_node *node, int action) {
    if (grow((void **)&walk->frames, &walk->frame_cap, walk->frame_count + 1, sizeof(Frame)))
        return -1;
    walk->frames[walk->frame_count].node = node;
    walk->frames[walk->frame_count].action = action;
    walk->frame_count++;
    return 0;
}

/* One node of the walk: 1 to go into its children, 0 not to, -1 on an error. */
static int visit(Walk *walk, lxb_node *node) {
    if (walk->skipped_count && is_skipped(walk, node))
        return 0;
    uintptr_t tag = node_tag_id(node);
    if (tag == text_tag_id) {
        const unsigned char *data;
        size_t length;
        text_of(node, &data, &length);
        if (!walk->parts) {
            int blank = is_space(data, length);
            if (blank)
                return blank < 0 ? -1 : 0; /* indentation between blocks */
        }
        if (append_text(walk, data, length))
            return -1;
        if (walk->link == LINK && stripped_width(data, length, &walk->link_chars))
            return -1;
        return 0;
    }
    int kind = tag < (uintptr_t)kinds_size ? kinds[tag] : INLINE;
    if (kind < SKIP)
        return 1;
    if (kind == SKIP)
        return 0;
    if (kind >= BLOCK) {
        if (walk->parts && flush(walk))
            return -1;
        if (kind == PRE) {
            if (push_block(walk, node, pre_name) || add_preformatted(walk, node))
                return -1;
            pop_block(walk);
            return 0;
        }
        if (kind == BLOCK && walk->depth < max_block_depth) {
            PyObject *name = PyList_GET_ITEM(block_names, tag);
            if (push_block(walk, node, name) || push_frame(walk, node, CLOSE_BLOCK))
                return -1;
        }
        return 1;
    }
    if (walk->link == NOT_LINK) { /* an anchor */
        int link = link_kind(walk, node);
        if (link < 0)
            return -1;
        if (link != NOT_LINK) {
            if (push_frame(walk, node, RESTORE_LINK))
                return -1;
            walk->link = link;
        }
    }
    return 1;
}

/* What ends with a node's subtree: its block, or its link. */
static int leave(Walk *walk, lxb_node *node) {
    if (!walk->frame_count || walk->frames[walk->frame_count - 1].node != node)
        return 0;
    walk->frame_count--;
    if (walk->frames[walk->frame_count].action == RESTORE_LINK) {
        walk->link = NOT_LINK;
        return 0;
    }
    if (walk->parts && flush(walk))
        return -1;
    pop_block(walk);
    return 0;
}

static int walk_tree(Walk *walk, lxb_node *root, PyObject *root_tag) {
    if (push_block(walk, root, root_tag))
        return -1;
    lxb_node *node = node_first_child(root);
    while (node != NULL) {
        int descend = visit(walk, node);
        if (descend < 0)
            return -1;
        lxb_node *child = descend ? node_first_child(node) : NULL;
        if (child != NULL) {
            node = child;
            continue;
        }
        for (;;) {
            if (leave(walk, node))
                return -1;
            lxb_node *next = node_next(node);
            if (next != NULL) {
                node = next;
                break;
            }
            node = node_parent(node);
            if (node == NULL || node == root) {
                node = NULL;
                break;
            }
        }
    }
    while (walk->frame_count) { /* only if the tree changed under the walk; closes what is open */
        if (leave(walk, walk->frames[walk->frame_count - 1].node))
            return -1;
    }
    if (walk->parts && flush(walk))
        return -1;
    pop_block(walk);
    return 0;
}

static int compare_addresses(const void *a, const void *b) {
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

static PyObject *walk_blocks(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (text_offset < 0) {
        PyErr_SetString(PyExc_RuntimeError, "_compiled: configure() first");
        return NULL;
    }
    if (nargs != 3 || !PyUnicode_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "walk(root_address, skipped_addresses, root_tag)");
        return NULL;
    }
    lxb_node *root = PyLong_AsVoidPtr(args[0]);
    if (root == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "walk: a null root");
        return NULL;
    }
    PyObject *skipped_seq = PySequence_Fast(args[1], "walk: skipped_addresses must be a sequence");
    if (skipped_seq == NULL)
        return NULL;
    Walk walk = {0};
    Py_ssize_t count = PySequence_Fast_GET_SIZE(skipped_seq);
    uintptr_t *skipped = count ? PyMem_Malloc((size_t)count * sizeof(uintptr_t)) : NULL;
    PyObject *result = NULL;
    if (count && skipped == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        skipped[i] = (uintptr_t)PyLong_AsVoidPtr(PySequence_Fast_GET_ITEM(skipped_seq, i));
        if (PyErr_Occurred())
            goto done;
    }
    qsort(skipped, (size_t)count, sizeof(uintptr_t), compare_addresses);
    walk.skipped = skipped;
    walk.skipped_count = count;
    walk.blocks = PyList_New(0);
    walk.addresses = PyList_New(0);
    walk.tags = PyList_New(0);
    if (walk.blocks == NULL || walk.addresses == NULL || walk.tags == NULL)
        goto done;
    if (walk_tree(&walk, root, args[2]) == 0)
        result = PyTuple_Pack(3, walk.blocks, walk.addresses, walk.tags);
done:
    Py_DECREF(skipped_seq);
    PyMem_Free(skipped);
    PyMem_Free(walk.text);
    PyMem_Free(walk.part_ends);
    PyMem_Free(walk.collapsed);
    PyMem_Free(walk.stack);
    PyMem_Free(walk.stack_nodes);
    PyMem_Free(walk.stack_tags);
    PyMem_Free(walk.frames);
    Py_XDECREF(walk.ancestors);
    Py_XDECREF(walk.blocks);
    Py_XDECREF(walk.addresses);
    Py_XDECREF(walk.tags);
    return result;
}

/* attribute(address, name): an element's attribute, as selectolax's `attributes.get` reads it. */
static PyObject *attribute(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (text_offset < 0 || nargs != 2 || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "attribute(address, name), after configure()");
        return NULL;
    }
    lxb_node *element = PyLong_AsVoidPtr(args[0]);
    const char *name = PyUnicode_AsUTF8(args[1]);
    if (element == NULL || name == NULL)
        return PyErr_Occurred() ? NULL : PyErr_Format(PyExc_ValueError, "attribute: a null element");
    return attribute_text(element, name);
}

/* text_at(address): a text node's data as bytes (None without data): the offset check. */
static PyObject *text_at(PyObject *module, PyObject *address) {
    lxb_node *node = PyLong_AsVoidPtr(address);
    if (node == NULL || text_offset < 0)
        return PyErr_Occurred() ? NULL : PyErr_Format(PyExc_ValueError, "text_at: no node, or not configured");
    const unsigned char *data;
    size_t length;
    text_of(node, &data, &length);
    if (data == NULL)
        Py_RETURN_NONE;
    return PyBytes_FromStringAndSize((const char *)data, (Py_ssize_t)length);
}

/* length_at(address): the length field alone, read before any pointer is followed. */
static PyObject *length_at(PyObject *module, PyObject *address) {
    lxb_node *node = PyLong_AsVoidPtr(address);
    if (node == NULL || text_offset < 0)
        return PyErr_Occurred() ? NULL : PyErr_Format(PyExc_ValueError, "length_at: no node, or not configured");
    return PyLong_FromSize_t(str_length((char *)node + text_offset));
}

typedef struct {
    lxb_node **nodes;
    Py_ssize_t count, cap;
} NodeStack;

#define ELEMENT_NODE 1
enum { NEVER_CHROME = 1, CHROME_TAG = 2, NAVIGATION_LIKE = 4, MAIN_OR_ARTICLE = 8 };

/* chrome_candidates(root_address, tag_flags): the elements under the root that html_blocks'
 * chrome rule can call chrome (those the CSS query `nav, header, footer, aside, menu, [role],
 * [class], [id]` finds, less the elements whose tag is never chrome or whose attributes cannot
 * make them so), each as (address, tag id, role, class, id, inside main or article). */
static PyObject *chrome_candidates(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    Py_buffer table;
    if (text_offset < 0 || nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "chrome_candidates(root_address, tag_flags), after configure()");
        return NULL;
    }
    lxb_node *root = PyLong_AsVoidPtr(args[0]);
    if (root == NULL)
        return PyErr_Occurred() ? NULL : PyErr_Format(PyExc_ValueError, "chrome_candidates: a null root");
    if (PyObject_GetBuffer(args[1], &table, PyBUF_SIMPLE))
        return NULL;
    const unsigned char *flags_by_tag = table.buf;
    Py_ssize_t flags_size = table.len;
#define FLAGS(tag) ((tag) < (uintptr_t)flags_size ? flags_by_tag[tag] : 0)
    NodeStack mains = {0}; /* main and article elements open in the walk */
    Py_ssize_t mains_above = 0; /* the root and its ancestors that are main or article */
    for (lxb_node *above = root; above != NULL; above = node_parent(above))
        if (node_type(above) == ELEMENT_NODE && FLAGS(node_tag_id(above)) & MAIN_OR_ARTICLE)
            mains_above++;
    PyObject *found = PyList_New(0);
    lxb_node *node = found != NULL ? node_first_child(root) : NULL;
    while (node != NULL) {
        lxb_node *child = NULL;
        if (node_type(node) == ELEMENT_NODE) {
            uintptr_t tag = node_tag_id(node);
            unsigned char flags = FLAGS(tag);
            if (!(flags & NEVER_CHROME)) {
                PyObject *role = attribute_text(node, "role");
                PyObject *classes = role != NULL ? attribute_text(node, "class") : NULL;
                PyObject *id = classes != NULL ? attribute_text(node, "id") : NULL;
                if (id == NULL)
                    goto fail_attributes;
                if (flags & CHROME_TAG || role != Py_None ||
                    (flags & NAVIGATION_LIKE && (classes != Py_None || id != Py_None))) {
                    PyObject *candidate = Py_BuildValue("(NKOOOO)", PyLong_FromVoidPtr(node), (unsigned long long)tag,
                                                        role, classes, id,
                                                        mains_above + mains.count ? Py_True : Py_False);
                    if (candidate == NULL || PyList_Append(found, candidate)) {
                        Py_XDECREF(candidate);
                        goto fail_attributes;
                    }
                    Py_DECREF(candidate);
                }
                Py_DECREF(role);
                Py_DECREF(classes);
                Py_DECREF(id);
                goto attributes_done;
            fail_attributes:
                Py_XDECREF(role);
                Py_XDECREF(classes);
                Py_XDECREF(id);
                Py_CLEAR(found);
                break;
            }
        attributes_done:
            child = node_first_child(node);
            if (child != NULL && flags & MAIN_OR_ARTICLE) {
                if (grow((void **)&mains.nodes, &mains.cap, mains.count + 1, sizeof(lxb_node *))) {
                    Py_CLEAR(found);
                    break;
                }
                mains.nodes[mains.count++] = node;
            }
        } else
            child = node_first_child(node);
        if (child != NULL) {
            node = child;
            continue;
        }
        for (;;) {
            if (mains.count && mains.nodes[mains.count - 1] == node)
                mains.count--;
            lxb_node *next = node_next(node);
            if (next != NULL) {
                node = next;
                break;
            }
            node = node_parent(node);
            if (node == NULL || node == root) {
                node = NULL;
                break;
            }
        }
    }
#undef FLAGS
    PyMem_Free(mains.nodes);
    PyBuffer_Release(&table);
    return found;
}

/* hrefs(root_address, a_tag_id): the href of each <a> element under the root (itself included),
 * in document order, as the CSS query `a[href]` finds them, less the empty ones. */
static PyObject *hrefs(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (text_offset < 0 || nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "hrefs(root_address, a_tag_id), after configure()");
        return NULL;
    }
    lxb_node *root = PyLong_AsVoidPtr(args[0]);
    uintptr_t anchor = (uintptr_t)PyLong_AsUnsignedLongLong(args[1]);
    if (root == NULL || PyErr_Occurred())
        return PyErr_Occurred() ? NULL : PyErr_Format(PyExc_ValueError, "hrefs: a null root");
    PyObject *found = PyList_New(0);
    lxb_node *node = root;
    while (node != NULL && found != NULL) {
        if (node_tag_id(node) == anchor && node_type(node) == ELEMENT_NODE) {
            size_t length = 0;
            const unsigned char *href = element_get_attribute(node, (const unsigned char *)"href", 4, &length);
            if (href != NULL && length) {
                PyObject *value = decode((const char *)href, (Py_ssize_t)length);
                if (value == NULL || PyList_Append(found, value))
                    Py_CLEAR(found);
                Py_XDECREF(value);
            }
        }
        lxb_node *next = node_first_child(node);
        while (next == NULL && node != root) {
            next = node_next(node);
            if (next == NULL)
                node = node_parent(node);
        }
        node = next;
    }
    return found;
}

/* text_length(address): len(node.text(deep=True)): the characters of the text nodes under it. */
static PyObject *text_length(PyObject *module, PyObject *address) {
    lxb_node *top = PyLong_AsVoidPtr(address);
    if (top == NULL || text_offset < 0)
        return PyErr_Occurred() ? NULL : PyErr_Format(PyExc_ValueError, "text_length: no node, or not configured");
    size_t characters = 0;
    lxb_node *node = node_first_child(top);
    while (node != NULL) {
        if (node_tag_id(node) == text_tag_id) {
            const unsigned char *data;
            size_t length;
            text_of(node, &data, &length);
            for (size_t i = 0; i < length; i++)
                characters += (data[i] & 0xC0) != 0x80; /* a character starts at each non-continuation byte */
        }
        lxb_node *next = node_first_child(node);
        while (next == NULL && node != top) {
            next = node_next(node);
            if (next == NULL)
                node = node_parent(node);
        }
        node = next;
    }
    return PyLong_FromSize_t(characters);
}

/* BLAKE2b (RFC 7693) with an 8-byte digest, no key: hashlib.blake2b(data, digest_size=8),
 * read as a little-endian integer (boilerplate._line_hash). */
static const uint64_t blake2b_iv[8] = {0x6A09E667F3BCC908ULL, 0xBB67AE8584CAA73BULL, 0x3C6EF372FE94F82BULL,
                                       0xA54FF53A5F1D36F1ULL, 0x510E527FADE682D1ULL, 0x9B05688C2B3E6C1FULL,
                                       0x1F83D9ABFB41BD6BULL, 0x5BE0CD19137E2179ULL};
static const uint8_t blake2b_sigma[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

static uint64_t rotate_right(uint64_t x, int bits) { return (x >> bits) | (x << (64 - bits)); }

static void blake2b_compress(uint64_t h[8], const unsigned char block[128], uint64_t counter, int last) {
    uint64_t v[16], m[16];
    for (int i = 0; i < 8; i++) {
        v[i] = h[i];
        v[i + 8] = blake2b_iv[i];
    }
    v[12] ^= counter; /* messages stay far below 2^64 bytes: the counter's high word is 0 */
    if (last)
        v[14] = ~v[14];
    for (int i = 0; i < 16; i++) {
        m[i] = 0;
        for (int byte = 7; byte >= 0; byte--)
            m[i] = m[i] << 8 | block[8 * i + byte];
    }
#define MIX(a, b, c, d, x, y)                                                                                          \
    do {                                                                                                               \
        v[a] = v[a] + v[b] + (x);                                                                                      \
        v[d] = rotate_right(v[d] ^ v[a], 32);                                                                          \
        v[c] = v[c] + v[d];                                                                                            \
        v[b] = rotate_right(v[b] ^ v[c], 24);                                                                          \
        v[a] = v[a] + v[b] + (y);                                                                                      \
        v[d] = rotate_right(v[d] ^ v[a], 16);                                                                          \
        v[c] = v[c] + v[d];                                                                                            \
        v[b] = rotate_right(v[b] ^ v[c], 63);                                                                          \
    } while (0)
    for (int round = 0; round < 12; round++) {
        const uint8_t *s = blake2b_sigma[round];
        MIX(0, 4, 8, 12, m[s[0]], m[s[1]]);
        MIX(1, 5, 9, 13, m[s[2]], m[s[3]]);
        MIX(2, 6, 10, 14, m[s[4]], m[s[5]]);
        MIX(3, 7, 11, 15, m[s[6]], m[s[7]]);
        MIX(0, 5, 10, 15, m[s[8]], m[s[9]]);
        MIX(1, 6, 11, 12, m[s[10]], m[s[11]]);
        MIX(2, 7, 8, 13, m[s[12]], m[s[13]]);
        MIX(3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
#undef MIX
    for (int i = 0; i < 8; i++)
        h[i] ^= v[i] ^ v[i + 8];
}

static uint64_t blake2b_64(const unsigned char *data, size_t length) {
    uint64_t h[8];
    memcpy(h, blake2b_iv, sizeof h);
    h[0] ^= 0x01010000ULL ^ 8; /* fan-out 1, depth 1, no key, an 8-byte digest */
    uint64_t counter = 0;
    while (length > 128) {
        counter += 128;
        blake2b_compress(h, data, counter, 0);
        data += 128;
        length -= 128;
    }
    unsigned char last[128] = {0};
    memcpy(last, data, length);
    counter += length;
    blake2b_compress(h, last, counter, 1);
    return h[0]; /* the digest's 8 bytes, little-endian */
}

static const uint64_t POSITION_MIX = 0x9E3779B97F4A7C15ULL; /* boilerplate._POSITION_MIX */

/* line_hash(line): boilerplate._line_hash, for the check that this BLAKE2b is hashlib's. */
static PyObject *line_hash(PyObject *module, PyObject *line) {
    Py_ssize_t length;
    const char *data = PyUnicode_AsUTF8AndSize(line, &length);
    if (data == NULL)
        return NULL;
    return PyLong_FromUnsignedLongLong(blake2b_64((const unsigned char *)data, (size_t)length));
}

/* sightings(counts, lines, positions, page_blocks, max_lines, min_pages): the body of
 * boilerplate.RepeatedLines.repeated for one host's `counts`, step for step (the same set of
 * keys, visited in the same order, so the dict and its order are the same). */
static PyObject *sightings(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 6 || !PyDict_Check(args[0]) || !PyList_Check(args[1]) || !PyList_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "sightings(counts, lines, positions, page_blocks, max_lines, min_pages)");
        return NULL;
    }
    PyObject *counts = args[0], *lines = args[1], *positions = args[2];
    Py_ssize_t page_blocks = PyLong_AsSsize_t(args[3]), max_lines = PyLong_AsSsize_t(args[4]);
    long min_pages = PyLong_AsLong(args[5]);
    if (PyErr_Occurred())
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(lines);
    if (PyList_GET_SIZE(positions) != n) {
        PyErr_SetString(PyExc_ValueError, "sightings: a position for every line");
        return NULL;
    }
    PyObject *keys = PyList_New(2 * n), *seen = PySet_New(NULL), *flags = NULL, *one = PyLong_FromLong(1);
    if (keys == NULL || seen == NULL || one == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t length;
        const char *data = PyUnicode_AsUTF8AndSize(PyList_GET_ITEM(lines, i), &length);
        Py_ssize_t position = PyLong_AsSsize_t(PyList_GET_ITEM(positions, i));
        if (data == NULL || PyErr_Occurred())
            goto done;
        uint64_t hash = blake2b_64((const unsigned char *)data, (size_t)length);
        /* (hash ^ (position * MIX)) & MASK: two's complement arithmetic modulo 2^64 is the same */
        uint64_t top = hash ^ ((uint64_t)(position + 1) * POSITION_MIX);
        uint64_t bottom = hash ^ ((uint64_t)(position - page_blocks) * POSITION_MIX);
        PyObject *top_key = PyLong_FromUnsignedLongLong(top), *bottom_key = PyLong_FromUnsignedLongLong(bottom);
        if (top_key == NULL || bottom_key == NULL) {
            Py_XDECREF(top_key);
            Py_XDECREF(bottom_key);
            goto done;
        }
        PyList_SET_ITEM(keys, 2 * i, top_key);
        PyList_SET_ITEM(keys, 2 * i + 1, bottom_key);
        if (PySet_Add(seen, top_key) || PySet_Add(seen, bottom_key))
            goto done;
    }
    PyObject *iterator = PyObject_GetIter(seen), *key;
    if (iterator == NULL)
        goto done;
    while ((key = PyIter_Next(iterator)) != NULL) {
        PyObject *count = PyDict_GetItemWithError(counts, key);
        int failed = 0;
        if (count != NULL) {
            PyObject *more = PyNumber_Add(count, one);
            failed = more == NULL || PyDict_SetItem(counts, key, more);
            Py_XDECREF(more);
        } else if (PyErr_Occurred())
            failed = 1;
        else if (PyDict_GET_SIZE(counts) < max_lines)
            failed = PyDict_SetItem(counts, key, one);
        Py_DECREF(key);
        if (failed) {
            Py_DECREF(iterator);
            goto done;
        }
    }
    Py_DECREF(iterator);
    if (PyErr_Occurred())
        goto done;
    if (PyDict_GET_SIZE(counts) >= max_lines) { /* forget the keys seen once */
        PyObject *single = PyList_New(0), *dict_key, *value;
        Py_ssize_t at = 0;
        if (single == NULL)
            goto done;
        while (PyDict_Next(counts, &at, &dict_key, &value)) {
            int is_one = PyObject_RichCompareBool(value, one, Py_EQ);
            if (is_one < 0 || (is_one && PyList_Append(single, dict_key))) {
                Py_DECREF(single);
                goto done;
            }
        }
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(single); i++)
            if (PyDict_DelItem(counts, PyList_GET_ITEM(single, i))) {
                Py_DECREF(single);
                goto done;
            }
        Py_DECREF(single);
    }
    flags = PyList_New(n);
    if (flags == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        int repeated = 0;
        for (int side = 0; side < 2 && !repeated; side++) {
            PyObject *count = PyDict_GetItemWithError(counts, PyList_GET_ITEM(keys, 2 * i + side));
            if (count == NULL && PyErr_Occurred()) {
                Py_CLEAR(flags);
                goto done;
            }
            if (count != NULL) {
                long sighted = PyLong_AsLong(count);
                if (sighted == -1 && PyErr_Occurred()) {
                    Py_CLEAR(flags);
                    goto done;
                }
                repeated = sighted >= min_pages;
            }
        }
        PyList_SET_ITEM(flags, i, Py_NewRef(repeated ? Py_True : Py_False));
    }
done:
    Py_XDECREF(keys);
    Py_XDECREF(seen);
    Py_XDECREF(one);
    return flags;
}

static void *symbol(void *library, const char *name) {
    void *found = dlsym(library, name);
    if (found == NULL)
        PyErr_Format(PyExc_ImportError, "_compiled: lexbor has no %s", name);
    return found;
}

/* configure(library_path, text_offset, kinds, block_names, text_tag_id, max_block_depth, Block) */
static PyObject *configure(PyObject *module, PyObject *args) {
    const char *path;
    Py_ssize_t offset, max_depth;
    Py_buffer kind_table;
    PyObject *names, *block;
    unsigned long long text_id;
    if (!PyArg_ParseTuple(args, "sny*O!KnO", &path, &offset, &kind_table, &PyList_Type, &names, &text_id, &max_depth,
                          &block))
        return NULL;
    void *library = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    if (library == NULL)
        library = dlopen(path, RTLD_NOW);
    if (library == NULL) {
        PyBuffer_Release(&kind_table);
        return PyErr_Format(PyExc_ImportError, "_compiled: cannot open %s: %s", path, dlerror());
    }
    if (!(*(void **)&node_tag_id = symbol(library, "lxb_dom_node_tag_id_noi")) ||
        !(*(void **)&node_next = symbol(library, "lxb_dom_node_next_noi")) ||
        !(*(void **)&node_first_child = symbol(library, "lxb_dom_node_first_child_noi")) ||
        !(*(void **)&node_parent = symbol(library, "lxb_dom_node_parent_noi")) ||
        !(*(void **)&node_type = symbol(library, "lxb_dom_node_type_noi")) ||
        !(*(void **)&element_get_attribute = symbol(library, "lxb_dom_element_get_attribute")) ||
        !(*(void **)&str_data = symbol(library, "lexbor_str_data_noi")) ||
        !(*(void **)&str_length = symbol(library, "lexbor_str_length_noi"))) {
        PyBuffer_Release(&kind_table);
        return NULL;
    }
    unsigned char *table = PyMem_Malloc(kind_table.len ? (size_t)kind_table.len : 1);
    if (table == NULL) {
        PyBuffer_Release(&kind_table);
        return PyErr_NoMemory();
    }
    memcpy(table, kind_table.buf, (size_t)kind_table.len);
    PyMem_Free(kinds);
    kinds = table;
    kinds_size = kind_table.len;
    PyBuffer_Release(&kind_table);
    if (PyList_GET_SIZE(names) < kinds_size) {
        PyErr_SetString(PyExc_ValueError, "configure: a block name (or None) for every tag id of the kinds");
        return NULL;
    }
    Py_INCREF(names);
    Py_XSETREF(block_names, names);
    Py_INCREF(block);
    Py_XSETREF(block_type, block);
    text_tag_id = (uintptr_t)text_id;
    max_block_depth = max_depth;
    text_offset = offset;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS, "Look lexbor's functions up in selectolax's extension and set the tables."},
    {"walk", (PyCFunction)(void (*)(void))walk_blocks, METH_FASTCALL,
     "walk(root_address, skipped_addresses, root_tag) -> (blocks, element addresses, element tags)"},
    {"attribute", (PyCFunction)(void (*)(void))attribute, METH_FASTCALL, "attribute(address, name) -> str | None"},
    {"chrome_candidates", (PyCFunction)(void (*)(void))chrome_candidates, METH_FASTCALL,
     "chrome_candidates(root_address, tag_flags) -> [(address, tag id, role, class, id, inside main)]"},
    {"sightings", (PyCFunction)(void (*)(void))sightings, METH_FASTCALL,
     "sightings(counts, lines, positions, page_blocks, max_lines, min_pages) -> [bool]"},
    {"line_hash", line_hash, METH_O, "line_hash(line) -> int: BLAKE2b, 8 bytes, little-endian"},
    {"hrefs", (PyCFunction)(void (*)(void))hrefs, METH_FASTCALL, "hrefs(root_address, a_tag_id) -> [str]"},
    {"text_length", text_length, METH_O, "text_length(address) -> int: characters of the text under the node"},
    {"text_at", text_at, METH_O, "text_at(address) -> bytes | None: a text node's data"},
    {"length_at", length_at, METH_O, "length_at(address) -> int: a text node's data length"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "_compiled", NULL, -1, methods};

PyMODINIT_FUNC PyInit__compiled(void) {
    pre_name = PyUnicode_InternFromString("pre");
    space = PyUnicode_InternFromString(" ");
    newline = PyUnicode_InternFromString("\n");
    if (pre_name == NULL || space == NULL || newline == NULL)
        return NULL;
    return PyModule_Create(&module_def);
}
