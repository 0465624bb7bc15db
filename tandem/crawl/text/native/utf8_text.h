/* utf8_text.c: Python's string rules on UTF-8 bytes. */
#ifndef TANDEM_UTF8_TEXT_H
#define TANDEM_UTF8_TEXT_H

#include "lexbor_tree.h"

/* html_blocks.display_width(text[start:end]): each non-ASCII character counts twice. */
Py_ssize_t display_width(PyObject *text, Py_ssize_t start, Py_ssize_t end);
/* display_width(text.strip()) of the UTF-8 bytes. */
long stripped_width(const unsigned char *data, size_t length);
/* str.isspace() of the UTF-8 bytes (false for none). */
int is_space(const unsigned char *data, size_t length);
/* The byte length of the UTF-8 character that starts with `lead`. */
static inline size_t char_length(unsigned char lead) {
    return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}
/* The length of the whitespace character (str.isspace) that starts at `at`, or 0. */
size_t space_at(const unsigned char *at, const unsigned char *end);

#endif
