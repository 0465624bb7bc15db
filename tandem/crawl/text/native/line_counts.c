/* The per-host repeated-line counting of boilerplate.py in C (module _line_counts), step for
 * step: its own BLAKE2b (boilerplate.py checks it against hashlib before using it), the same set
 * of keys visited in the same order, the same dict operations, so the flags, the counts and the
 * order of the counts (the checkpoint's JSON) are the Python twin's.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* BLAKE2b (RFC 7693) with an 8-byte digest, no key: hashlib.blake2b(data, digest_size=8),
 * read as a little-endian integer (boilerplate._line_hash). */
static const uint64_t blake2b_iv[8] = {0x6A09E667F3BCC908ULL, 0xBB67AE8584CAA73BULL, 0x3C6EF372FE94F82BULL,
                                       0xA54FF53A5F1D36F1ULL, 0x510E527FADE682D1ULL, 0x9B05688C2B3E6C1FULL,
                                       0x1F83D9ABFB41BD6BULL, 0x5BE0CD19137E2179ULL};
static const uint8_t blake2b_sigma[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

static uint64_t rotate_right(uint64_t x, int bits) { return (x >> bits) | (x << (64 - bits)); }

static void blake2b_compress(uint64_t h[8], const unsigned char block[128], uint64_t counter, int last) {
    uint64_t v[16], m[16];
    for (int i = 0; i < 8; i++) {
        v[i] = h[i];
        v[i + 8] = blake2b_iv[i];
    }
    v[12] ^= counter; /* messages stay far below 2^64 bytes: the counter's high word is 0 */
    if (last)
        v[14] = ~v[14];
    for (int i = 0; i < 16; i++) {
        m[i] = 0;
        for (int byte = 7; byte >= 0; byte--)
            m[i] = m[i] << 8 | block[8 * i + byte];
    }
#define MIX(a, b, c, d, x, y)                                                                                          \
    do {                                                                                                               \
        v[a] = v[a] + v[b] + (x);                                                                                      \
        v[d] = rotate_right(v[d] ^ v[a], 32);                                                                          \
        v[c] = v[c] + v[d];                                                                                            \
        v[b] = rotate_right(v[b] ^ v[c], 24);                                                                          \
        v[a] = v[a] + v[b] + (y);                                                                                      \
        v[d] = rotate_right(v[d] ^ v[a], 16);                                                                          \
        v[c] = v[c] + v[d];                                                                                            \
        v[b] = rotate_right(v[b] ^ v[c], 63);                                                                          \
    } while (0)
    for (int round = 0; round < 12; round++) {
        const uint8_t *s = blake2b_sigma[round];
        MIX(0, 4, 8, 12, m[s[0]], m[s[1]]);
        MIX(1, 5, 9, 13, m[s[2]], m[s[3]]);
        MIX(2, 6, 10, 14, m[s[4]], m[s[5]]);
        MIX(3, 7, 11, 15, m[s[6]], m[s[7]]);
        MIX(0, 5, 10, 15, m[s[8]], m[s[9]]);
        MIX(1, 6, 11, 12, m[s[10]], m[s[11]]);
        MIX(2, 7, 8, 13, m[s[12]], m[s[13]]);
        MIX(3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
#undef MIX
    for (int i = 0; i < 8; i++)
        h[i] ^= v[i] ^ v[i + 8];
}

static uint64_t blake2b_64(const unsigned char *data, size_t length) {
    uint64_t h[8];
    memcpy(h, blake2b_iv, sizeof h);
    h[0] ^= 0x01010000ULL ^ 8; /* fan-out 1, depth 1, no key, an 8-byte digest */
    uint64_t counter = 0;
    while (length > 128) {
        counter += 128;
        blake2b_compress(h, data, counter, 0);
        data += 128;
        length -= 128;
    }
    unsigned char last[128] = {0};
    memcpy(last, data, length);
    counter += length;
    blake2b_compress(h, last, counter, 1);
    return h[0]; /* the digest's 8 bytes, little-endian */
}

static const uint64_t POSITION_MIX = 0x9E3779B97F4A7C15ULL; /* boilerplate._POSITION_MIX */

/* line_hash(line): boilerplate._line_hash, for the check that this BLAKE2b is hashlib's. */
static PyObject *line_hash(PyObject *module, PyObject *line) {
    Py_ssize_t length;
    const char *data = PyUnicode_AsUTF8AndSize(line, &length);
    if (data == NULL)
        return NULL;
    return PyLong_FromUnsignedLongLong(blake2b_64((const unsigned char *)data, (size_t)length));
}

/* sightings(counts, lines, positions, page_blocks, max_lines, min_pages): the body of
 * boilerplate.RepeatedLines.repeated for one host's `counts`, step for step (the same set of
 * keys, visited in the same order, so the dict and its order are the same). */
static PyObject *sightings(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 6 || !PyDict_Check(args[0]) || !PyList_Check(args[1]) || !PyList_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "sightings(counts, lines, positions, page_blocks, max_lines, min_pages)");
        return NULL;
    }
    PyObject *counts = args[0], *lines = args[1], *positions = args[2];
    Py_ssize_t page_blocks = PyLong_AsSsize_t(args[3]), max_lines = PyLong_AsSsize_t(args[4]);
    long min_pages = PyLong_AsLong(args[5]);
    if (PyErr_Occurred())
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(lines);
    if (PyList_GET_SIZE(positions) != n) {
        PyErr_SetString(PyExc_ValueError, "sightings: a position for every line");
        return NULL;
    }
    PyObject *keys = PyList_New(2 * n), *seen = PySet_New(NULL), *flags = NULL, *one = PyLong_FromLong(1);
    if (keys == NULL || seen == NULL || one == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t length;
        const char *data = PyUnicode_AsUTF8AndSize(PyList_GET_ITEM(lines, i), &length);
        Py_ssize_t position = PyLong_AsSsize_t(PyList_GET_ITEM(positions, i));
        if (data == NULL || PyErr_Occurred())
            goto done;
        uint64_t hash = blake2b_64((const unsigned char *)data, (size_t)length);
        /* (hash ^ (position * MIX)) & MASK: two's complement arithmetic modulo 2^64 is the same */
        uint64_t top = hash ^ ((uint64_t)(position + 1) * POSITION_MIX);
        uint64_t bottom = hash ^ ((uint64_t)(position - page_blocks) * POSITION_MIX);
        PyObject *top_key = PyLong_FromUnsignedLongLong(top), *bottom_key = PyLong_FromUnsignedLongLong(bottom);
        if (top_key == NULL || bottom_key == NULL) {
            Py_XDECREF(top_key);
            Py_XDECREF(bottom_key);
            goto done;
        }
        PyList_SET_ITEM(keys, 2 * i, top_key);
        PyList_SET_ITEM(keys, 2 * i + 1, bottom_key);
        if (PySet_Add(seen, top_key) || PySet_Add(seen, bottom_key))
            goto done;
    }
    PyObject *iterator = PyObject_GetIter(seen), *key;
    if (iterator == NULL)
        goto done;
    while ((key = PyIter_Next(iterator)) != NULL) {
        PyObject *count = PyDict_GetItemWithError(counts, key);
        int failed = 0;
        if (count != NULL) {
            PyObject *more = PyNumber_Add(count, one);
            failed = more == NULL || PyDict_SetItem(counts, key, more);
            Py_XDECREF(more);
        } else if (PyErr_Occurred())
            failed = 1;
        else if (PyDict_GET_SIZE(counts) < max_lines)
            failed = PyDict_SetItem(counts, key, one);
        Py_DECREF(key);
        if (failed) {
            Py_DECREF(iterator);
            goto done;
        }
    }
    Py_DECREF(iterator);
    if (PyErr_Occurred())
        goto done;
    if (PyDict_GET_SIZE(counts) >= max_lines) { /* forget the keys seen once */
        PyObject *single = PyList_New(0), *dict_key, *value;
        Py_ssize_t at = 0;
        if (single == NULL)
            goto done;
        while (PyDict_Next(counts, &at, &dict_key, &value)) {
            int is_one = PyObject_RichCompareBool(value, one, Py_EQ);
            if (is_one < 0 || (is_one && PyList_Append(single, dict_key))) {
                Py_DECREF(single);
                goto done;
            }
        }
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(single); i++)
            if (PyDict_DelItem(counts, PyList_GET_ITEM(single, i))) {
                Py_DECREF(single);
                goto done;
            }
        Py_DECREF(single);
    }
    flags = PyList_New(n);
    if (flags == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        int repeated = 0;
        for (int side = 0; side < 2 && !repeated; side++) {
            PyObject *count = PyDict_GetItemWithError(counts, PyList_GET_ITEM(keys, 2 * i + side));
            if (count == NULL && PyErr_Occurred()) {
                Py_CLEAR(flags);
                goto done;
            }
            if (count != NULL) {
                long sighted = PyLong_AsLong(count);
                if (sighted == -1 && PyErr_Occurred()) {
                    Py_CLEAR(flags);
                    goto done;
                }
                repeated = sighted >= min_pages;
            }
        }
        PyList_SET_ITEM(flags, i, Py_NewRef(repeated ? Py_True : Py_False));
    }
done:
    Py_XDECREF(keys);
    Py_XDECREF(seen);
    Py_XDECREF(one);
    return flags;
}
static PyMethodDef methods[] = {
    {"sightings", (PyCFunction)(void (*)(void))sightings, METH_FASTCALL,
     "sightings(counts, lines, positions, page_blocks, max_lines, min_pages) -> [bool]"},
    {"line_hash", line_hash, METH_O, "line_hash(line) -> int: BLAKE2b, 8 bytes, little-endian"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {PyModuleDef_HEAD_INIT, .m_name = "_line_counts", .m_size = -1, .m_methods = methods};

PyMODINIT_FUNC PyInit__line_counts(void) { return PyModule_Create(&module_def); }
