/*
** describe.h — human text for IR parts, shared by the CLI, the workbench
** and the renderer: attribute values, tensor summaries, byte sizes.
*/
#ifndef LP_DESCRIBE_H
#define LP_DESCRIBE_H

#include "ir.h"

/* "[3,3]", "0.5", "NOTSET", "float32[64] (tensor)", "graph 'body' (5 nodes)".
** Long lists are cut after `max_items` with "…" (0: no limit). */
char *lp_attr_format(const lp_attr *a, char *buf, size_t n, int max_items);
/* "1.2 KB", "98.0 MB" */
char *lp_bytes_str(uint64_t bytes, char *buf, size_t n);
/* "4.1 G", "12.3 M", "950" */
char *lp_count_str(double count, char *buf, size_t n);

#endif
