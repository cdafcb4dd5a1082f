/*
** strmap.h — an open-addressing map from strings to ints, for name lookups.
*/
#ifndef LP_STRMAP_H
#define LP_STRMAP_H

#include <stddef.h>

typedef struct lp_strmap {
    const char **keys; /* borrowed */
    int *vals;
    size_t cap, len;
} lp_strmap;

void lp_strmap_put(lp_strmap *m, const char *key, int val); /* replaces */
int lp_strmap_get(const lp_strmap *m, const char *key, int dflt);
void lp_strmap_free(lp_strmap *m);

#endif
