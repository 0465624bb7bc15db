/* Reading selectolax's lexbor tree from C: lexbor's own functions, looked up in selectolax's
 * extension once (lexbor_tree_open), and the helpers every pass shares. A node is known by its
 * address (selectolax's `mem_id`). Only a text node's data is read at a fixed offset (lexbor has
 * no function that returns it without a copy): native_walk.py checks that offset on a probe
 * node, and each pass's output against its Python twin's on probe pages, before any is used.
 */
#ifndef TANDEM_LEXBOR_TREE_H
#define TANDEM_LEXBOR_TREE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

typedef struct lxb_node lxb_node; /* lexbor's lxb_dom_node_t, never read directly */

#define ELEMENT_NODE 1 /* lexbor's LXB_DOM_NODE_TYPE_ELEMENT */

extern uintptr_t (*node_tag_id)(lxb_node *);
extern lxb_node *(*node_next)(lxb_node *);
extern lxb_node *(*node_first_child)(lxb_node *);
extern lxb_node *(*node_parent)(lxb_node *);
extern unsigned int (*node_type)(lxb_node *);
extern const unsigned char *(*element_get_attribute)(lxb_node *, const unsigned char *, size_t, size_t *);

extern Py_ssize_t text_offset; /* of the lexbor_str_t inside a text node; -1 until opened */
extern uintptr_t text_tag_id;  /* lexbor's tag id of text nodes */

/* Looks lexbor's functions up in the library at `path` (selectolax's extension); an ImportError
 * and -1 where one is missing. */
int lexbor_tree_open(const char *path, Py_ssize_t offset, uintptr_t text_id);

/* Called for each node whose subtree ends in a walk; non-zero stops the walk (an error). */
typedef int (*left_fn)(void *context, lxb_node *node);

/* When `node` is done (its subtree too, where the walk went into it): the next node of `top`'s
 * subtree in document order, calling `left` (unless NULL) for `node` and for each ancestor
 * whose subtree ends on the way, `top` aside; NULL at the subtree's end, and where `left`
 * failed (then *failed is 1). */
lxb_node *climb_to_next(lxb_node *node, lxb_node *top, left_fn left, void *context, int *failed);

/* The next node of `top`'s subtree after `node` in document order, going into `node`'s children
 * when `enter`; NULL at the subtree's end. */
lxb_node *next_in_subtree(lxb_node *node, lxb_node *top, int enter);

/* A text node's data (NULL, 0 without any), and its length field alone (read before any pointer
 * is followed: the offset check). */
void text_of(lxb_node *node, const unsigned char **data, size_t *length);
size_t text_length_field(lxb_node *node);
PyObject *decode(const char *data, Py_ssize_t length);
PyObject *attribute_text(lxb_node *element, const char *name);
int grow(void **buffer, Py_ssize_t *capacity, Py_ssize_t needed, size_t item);
int is_ascii_space(unsigned char c);

#endif
