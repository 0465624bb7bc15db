/* Python's string rules on UTF-8 bytes, for block_walk.c: str.isspace, str.strip, and the
 * display width of html_blocks.display_width. */
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

/* display_width(text.strip()) of UTF-8 bytes. */
int stripped_width(const unsigned char *data, size_t length, long *width) {
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
int is_space(const unsigned char *data, size_t length) {
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
