/*
 * Serving embedded web files, as hallqd and hallq-central both do (web.c): the type a file
 * goes out with, and whether a browser's If-None-Match already names its version.
 */
#ifndef HQ_WEB_H
#define HQ_WEB_H

#include <stdbool.h>

/* The Content-Type of a file by its extension; application/octet-stream when unknown. */
const char *hq_web_type(const char *path);
/* Does an If-None-Match header (RFC 9110, 13.1.2) name this ETag? Its list of entity tags,
 * compared weakly (a W/ prefix does not count), or "*". */
bool hq_web_etag_listed(const char *header, const char *etag);

#endif
