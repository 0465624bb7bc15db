/* Scans of the whole tree for html_blocks.py and extract.py: the chrome candidates with their
 * attributes, the links' hrefs, the length of an element's text. */
#include "dom_scans.h"

#include <string.h>

typedef struct {
    lxb_node **nodes;
    Py_ssize_t count, cap;
} NodeStack;

enum { NEVER_CHROME = 1, CHROME_TAG = 2, NAVIGATION_LIKE = 4, MAIN_OR_ARTICLE = 8 };

static int close_main(void *context, lxb_node *node) {
    NodeStack *mains = context;
    if (mains->count && mains->nodes[mains->count - 1] == node)
        mains->count--;
    return 0;
}

static int has_attribute_value(lxb_node *element, const char *name) {
    size_t length = 0;
    return element_get_attribute(element, (const unsigned char *)name, strlen(name), &length) != NULL;
}

/* Appends (address, tag id, role, class, id, inside main) for `element` where the chrome rule
 * can call it chrome: a chrome tag, a role, or a class or id on a navigation-like tag (an
 * attribute without a value reads as None there, and None never makes chrome). */
static int add_candidate(PyObject *found, lxb_node *element, uintptr_t tag, unsigned char flags, int inside_main) {
    if (!(flags & CHROME_TAG || has_attribute_value(element, "role") ||
          (flags & NAVIGATION_LIKE && (has_attribute_value(element, "class") || has_attribute_value(element, "id")))))
        return 0;
    PyObject *candidate = Py_BuildValue("(NKNNNO)", PyLong_FromVoidPtr(element), (unsigned long long)tag,
                                        attribute_text(element, "role"), attribute_text(element, "class"),
                                        attribute_text(element, "id"), inside_main ? Py_True : Py_False);
    int failed = candidate == NULL || PyList_Append(found, candidate);
    Py_XDECREF(candidate);
    return failed ? -1 : 0;
}

/* chrome_candidates(root_address, tag_flags): the elements under the root that html_blocks'
 * chrome rule can call chrome (those the CSS query `nav, header, footer, aside, menu, [role],
 * [class], [id]` finds, less the elements whose tag is never chrome or whose attributes cannot
 * make them so), each as (address, tag id, role, class, id, inside main or article). */
PyObject *chrome_candidates(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
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
        lxb_node *child = node_first_child(node);
        if (node_type(node) == ELEMENT_NODE) {
            uintptr_t tag = node_tag_id(node);
            unsigned char flags = FLAGS(tag);
            int failed = !(flags & NEVER_CHROME) && add_candidate(found, node, tag, flags, mains_above + mains.count);
            if (!failed && child != NULL && flags & MAIN_OR_ARTICLE) {
                failed = grow((void **)&mains.nodes, &mains.cap, mains.count + 1, sizeof(lxb_node *));
                if (!failed)
                    mains.nodes[mains.count++] = node;
            }
            if (failed) {
                Py_CLEAR(found);
                break;
            }
        }
        node = child != NULL ? child : climb_to_next(node, root, close_main, &mains, NULL);
    }
#undef FLAGS
    PyMem_Free(mains.nodes);
    PyBuffer_Release(&table);
    return found;
}

/* hrefs(root_address, a_tag_id): the href of each <a> element under the root (itself included),
 * in document order, as the CSS query `a[href]` finds them, less the empty ones. */
PyObject *hrefs(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
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
        node = next_in_subtree(node, root, 1);
    }
    return found;
}

/* text_length(address): len(node.text(deep=True)): the characters of the text nodes under it. */
PyObject *text_length(PyObject *module, PyObject *address) {
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
        node = next_in_subtree(node, top, 1);
    }
    return PyLong_FromSize_t(characters);
}
