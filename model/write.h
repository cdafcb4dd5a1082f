/*
** write.h — writing files so that a crash, a full disk or a kill never
** leaves a half-written model or package where a good one was.
*/
#ifndef LP_WRITE_H
#define LP_WRITE_H

#include "ir.h"

#include <stdbool.h>

enum {
    LP_WRITE_BACKUP = 1, /* keep the file being replaced as PATH.bak, unless one exists */
};

/* Writes data to a temporary file in path's folder, fsyncs it, and renames
** it over path (a symbolic link is followed, so the link survives). The new
** file keeps the mode of the one it replaces. With LP_WRITE_BACKUP, an
** existing path is first kept as PATH.bak when no PATH.bak exists yet; an
** existing .bak is never overwritten. *backed_up (may be NULL) says whether
** a .bak was made by this call. */
int lp_write_file_safe(const char *path, const void *data, size_t n, int flags, bool *backed_up,
                       lp_error *err);

/* Serializes the model's ModelProto (m->proto, with any edits made to it)
** to path through lp_write_file_safe, without a backup. */
int lp_model_write(const lp_model *m, const char *path, lp_error *err);

#endif
