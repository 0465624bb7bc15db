/* The module _dom: the DOM passes of the extractor over selectolax's lexbor tree (block_walk.c,
 * dom_scans.c), set up by `configure`, with the reads native_walk.py checks them by. */
#include "block_walk.h"
#include "dom_scans.h"

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
    return PyLong_FromSize_t(text_length_field(node));
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
    int failed = block_walk_configure(&kind_table, names, max_depth, block) ||
                 lexbor_tree_open(path, offset, (uintptr_t)text_id);
    PyBuffer_Release(&kind_table);
    if (failed)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS, "Look lexbor's functions up in selectolax's extension and set the tables."},
    {"walk", (PyCFunction)(void (*)(void))walk_blocks, METH_FASTCALL,
     "walk(root_address, skipped_addresses, root_tag) -> (blocks, element addresses, element tags)"},
    {"attribute", (PyCFunction)(void (*)(void))attribute, METH_FASTCALL, "attribute(address, name) -> str | None"},
    {"chrome_candidates", (PyCFunction)(void (*)(void))chrome_candidates, METH_FASTCALL,
     "chrome_candidates(root_address, tag_flags) -> [(address, tag id, role, class, id, inside main)]"},
    {"hrefs", (PyCFunction)(void (*)(void))hrefs, METH_FASTCALL, "hrefs(root_address, a_tag_id) -> [str]"},
    {"text_length", text_length, METH_O, "text_length(address) -> int: characters of the text under the node"},
    {"text_at", text_at, METH_O, "text_at(address) -> bytes | None: a text node's data"},
    {"length_at", length_at, METH_O, "length_at(address) -> int: a text node's data length"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {PyModuleDef_HEAD_INIT, .m_name = "_dom", .m_size = -1, .m_methods = methods};

PyMODINIT_FUNC PyInit__dom(void) { return PyModule_Create(&module_def); }
