/* dom_scans.c: scans of the whole tree. */
#ifndef TANDEM_DOM_SCANS_H
#define TANDEM_DOM_SCANS_H

#include "lexbor_tree.h"

PyObject *chrome_candidates(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *hrefs(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *text_length(PyObject *module, PyObject *address);

#endif
