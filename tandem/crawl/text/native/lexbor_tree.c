/* lexbor_tree.h: lexbor's functions, found in selectolax's extension, and the shared helpers. */
#include "lexbor_tree.h"

#include <dlfcn.h>
#include <string.h>

uintptr_t (*node_tag_id)(lxb_node *);
lxb_node *(*node_next)(lxb_node *);
lxb_node *(*node_first_child)(lxb_node *);
lxb_node *(*node_parent)(lxb_node *);
unsigned int (*node_type)(lxb_node *);
const unsigned char *(*element_get_attribute)(lxb_node *, const unsigned char *, size_t, size_t *);
static unsigned char *(*str_data)(void *);
static size_t (*str_length)(void *);

Py_ssize_t text_offset = -1;
uintptr_t text_tag_id = 0;

static void *symbol(void *library, const char *name) {
    void *found = dlsym(library, name);
    if (found == NULL)
        PyErr_Format(PyExc_ImportError, "_dom: lexbor has no %s", name);
    return found;
}

int lexbor_tree_open(const char *path, Py_ssize_t offset, uintptr_t text_id) {
    void *library = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    if (library == NULL)
        library = dlopen(path, RTLD_NOW);
    if (library == NULL) {
        PyErr_Format(PyExc_ImportError, "_dom: cannot open %s: %s", path, dlerror());
        return -1;
    }
    if (!(*(void **)&node_tag_id = symbol(library, "lxb_dom_node_tag_id_noi")) ||
        !(*(void **)&node_next = symbol(library, "lxb_dom_node_next_noi")) ||
        !(*(void **)&node_first_child = symbol(library, "lxb_dom_node_first_child_noi")) ||
        !(*(void **)&node_parent = symbol(library, "lxb_dom_node_parent_noi")) ||
        !(*(void **)&node_type = symbol(library, "lxb_dom_node_type_noi")) ||
        !(*(void **)&element_get_attribute = symbol(library, "lxb_dom_element_get_attribute")) ||
        !(*(void **)&str_data = symbol(library, "lexbor_str_data_noi")) ||
        !(*(void **)&str_length = symbol(library, "lexbor_str_length_noi")))
        return -1;
    text_offset = offset;
    text_tag_id = text_id;
    return 0;
}

lxb_node *climb_to_next(lxb_node *node, lxb_node *top, left_fn left, void *context, int *failed) {
    while (node != NULL && node != top) {
        if (left != NULL && left(context, node)) {
            *failed = 1;
            return NULL;
        }
        lxb_node *next = node_next(node);
        if (next != NULL)
            return next;
        node = node_parent(node);
    }
    return NULL;
}

lxb_node *next_in_subtree(lxb_node *node, lxb_node *top, int enter) {
    lxb_node *child = enter ? node_first_child(node) : NULL;
    return child != NULL ? child : climb_to_next(node, top, NULL, NULL, NULL);
}

void text_of(lxb_node *node, const unsigned char **data, size_t *length) {
    void *str = (char *)node + text_offset;
    *data = str_data(str);
    *length = *data != NULL ? str_length(str) : 0;
}

size_t text_length_field(lxb_node *node) { return str_length((char *)node + text_offset); }

PyObject *decode(const char *data, Py_ssize_t length) {
    return PyUnicode_DecodeUTF8(data, length, "replace");
}

PyObject *attribute_text(lxb_node *element, const char *name) {
    size_t length = 0;
    const unsigned char *value = element_get_attribute(element, (const unsigned char *)name, strlen(name), &length);
    if (value == NULL)
        Py_RETURN_NONE;
    return decode((const char *)value, (Py_ssize_t)length);
}

int grow(void **buffer, Py_ssize_t *capacity, Py_ssize_t needed, size_t item) {
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

int is_ascii_space(unsigned char c) { /* str.isspace() of an ASCII character */
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}
