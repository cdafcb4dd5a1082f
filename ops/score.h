/*
** score.h — OML-style scoring: an `inputRecords` request in, a
** `scoringResults` response out, following the package's metadata.json
** (function, *Output fields) and label.txt. See the README for the rules
** where OML's documentation is silent.
*/
#ifndef LP_SCORE_H
#define LP_SCORE_H

#include "model/load.h"
#include "ops/session.h"

#include <cjson/cJSON.h>

typedef struct lp_score_opts {
    int top_n;            /* 0: every class / cluster */
    const char *function; /* overrides metadata.json's (needed for a bare .onnx) */
} lp_score_opts;

/* True when metadata.json has image fields (height, width or channel): the
** package scores images, and a record may give its input as a base64 image
** file (any format ops/image.h decodes) instead of an array. */
bool lp_score_is_image_meta(const cJSON *metadata);

/* Scores request (an object with inputRecords) and returns a new response
** object. Errors name the record, the input and the field at fault. */
int lp_score(lp_session *s, const lp_package *p, const cJSON *request, const lp_score_opts *o,
             cJSON **response, lp_error *err);

#endif
