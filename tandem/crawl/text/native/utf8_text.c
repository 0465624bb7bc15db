/* Python's string rules on UTF-8 bytes, for block_walk.c: str.isspace, str.strip, and the
 * display width of html_blocks.display_width. Whitespace is space_at's, the one table of the
 * characters str.isspace() calls spaces. The tree's text is UTF-8 (selectolax parses a str), so
 * a character's length is read off its lead byte. */
#include "utf8_text.h"

/* display_width: each non-ASCII character counts twice. */
Py_ssize_t display_width(PyObject *text, Py_ssize_t start, Py_ssize_t end) {
    if (PyUnicode_IS_ASCII(text))
        return end - start;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t width = 0;
    for (Py_ssize_t i = start; i < end; i++)
        width += PyUnicode_READ(kind, data, i) < 128 ? 1 : 2;
    return width;
}

/* display_width(text.strip()) of UTF-8 bytes: whitespace inside counts, at either end not. */
long stripped_width(const unsigned char *data, size_t length) {
    const unsigned char *at = data, *end = data + length;
    long width = 0, blank_run = 0; /* the whitespace since the last other character */
    int started = 0;
    while (at < end) {
        size_t blank = space_at(at, end);
        long character_width = *at < 0x80 ? 1 : 2;
        if (blank)
            blank_run += started ? character_width : 0;
        else {
            width += blank_run + character_width;
            blank_run = 0;
            started = 1;
        }
        size_t step = blank ? blank : char_length(*at);
        at += step < (size_t)(end - at) ? step : (size_t)(end - at);
    }
    return width;
}

/* str.isspace() of UTF-8 bytes: false for the empty string. */
int is_space(const unsigned char *data, size_t length) {
    const unsigned char *at = data, *end = data + length;
    while (at < end) {
        size_t blank = space_at(at, end);
        if (!blank)
            return 0;
        at += blank;
    }
    return length > 0;
}

/* The length of the whitespace character (str.isspace) that starts at `at`, or 0. */
size_t space_at(const unsigned char *at, const unsigned char *end) {
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
