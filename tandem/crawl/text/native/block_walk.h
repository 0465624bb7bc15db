/* block_walk.c: block_walker.py's walk in C. */
#ifndef TANDEM_BLOCK_WALK_H
#define TANDEM_BLOCK_WALK_H

#include "lexbor_tree.h"

/* The tables of block_walker.py: node kinds by tag id, block tag names by tag id, the depth
 * beyond which blocks count as their ancestor's, and html_blocks.Block. */
int block_walk_configure(Py_buffer *kind_table, PyObject *names, Py_ssize_t max_depth, PyObject *block);

/* walk(root_address, skipped_addresses, root_tag) -> (blocks, element addresses, element tags) */
PyObject *walk_blocks(PyObject *module, PyObject *const *args, Py_ssize_t nargs);

#endif
