/* block_walker.py's walk in C: the same blocks from the same lexbor tree, without a Python
 * object per node. Kinds, constants and semantics: block_walker.py and html_blocks.py, which
 * this mirrors step for step (the Python walk is the reference, and the fallback).
 */
#include "block_walk.h"
#include "utf8_text.h"

#include <stdlib.h>
#include <string.h>

/* Set by block_walk_configure. */
static unsigned char *kinds = NULL;  /* node kind by tag id (block_walker.KINDS) */
static Py_ssize_t kinds_size = 0;
static PyObject *block_names = NULL; /* list: block tag name by tag id, or None */
static PyObject *block_type = NULL;  /* html_blocks.Block */
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

/* The block's text as the Python walk joins it: each part decoded on its own, bad bytes replaced. */
static PyObject *joined_parts(Walk *walk) {
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
    PyObject *text = empty != NULL ? PyUnicode_Join(empty, parts) : NULL;
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
        size_t blank = space_at(read, end);
        if (blank) {
            pending_space = write != start;
            read += blank;
            continue;
        }
        if (pending_space) {
            *write++ = ' ';
            pending_space = 0;
        }
        size_t length = char_length(read[0]);
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
        node = next_in_subtree(node, pre, 1);
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
        if (!walk->parts && is_space(data, length))
            return 0; /* indentation between blocks */
        if (append_text(walk, data, length))
            return -1;
        if (walk->link == LINK)
            walk->link_chars += stripped_width(data, length);
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
static int leave(void *context, lxb_node *node) {
    Walk *walk = context;
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
        int failed = 0;
        node = child != NULL ? child : climb_to_next(node, root, leave, walk, &failed);
        if (failed)
            return -1;
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

PyObject *walk_blocks(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (text_offset < 0) {
        PyErr_SetString(PyExc_RuntimeError, "_dom: configure() first");
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

int block_walk_configure(Py_buffer *kind_table, PyObject *names, Py_ssize_t max_depth, PyObject *block) {
    if (kinds != NULL) { /* a walk in another thread may be reading the tables */
        PyErr_SetString(PyExc_RuntimeError, "_dom: configured already");
        return -1;
    }
    if (pre_name == NULL && ((pre_name = PyUnicode_InternFromString("pre")) == NULL ||
                             (space = PyUnicode_InternFromString(" ")) == NULL ||
                             (newline = PyUnicode_InternFromString("\n")) == NULL))
        return -1;
    if (PyList_GET_SIZE(names) < kind_table->len) {
        PyErr_SetString(PyExc_ValueError, "configure: a block name (or None) for every tag id of the kinds");
        return -1;
    }
    unsigned char *table = PyMem_Malloc(kind_table->len ? (size_t)kind_table->len : 1);
    if (table == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(table, kind_table->buf, (size_t)kind_table->len);
    kinds = table;
    kinds_size = kind_table->len;
    Py_INCREF(names);
    Py_XSETREF(block_names, names);
    Py_INCREF(block);
    Py_XSETREF(block_type, block);
    max_block_depth = max_depth;
    return 0;
}
