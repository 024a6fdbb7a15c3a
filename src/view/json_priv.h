/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json-c, as the commands that print JSON use it. */
#ifndef IODA_JSON_PRIV_H
#define IODA_JSON_PRIV_H

#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

/*
 * Adds @v under @key (to the array): json-c's adders fail on allocation
 * failure; a NULL @v is one that failed to allocate.  On failure @v is put.
 */
bool ioda_json_add(json_object *o, const char *key, json_object *v);
bool ioda_json_push(json_object *a, json_object *v);
/* The lines of @text (no line ends) as an array; NULL when out of memory. */
json_object *ioda_json_lines(const char *text);
/*
 * A command's document: an object whose first key, "schema", names its JSON
 * Schema and version ("ioda-show/1": docs/schema/ioda-show.schema.json).
 * NULL when out of memory.
 */
json_object *ioda_json_doc(const char *schema);
/* The value, or JSON null for none (json-c's null is a NULL object). */
bool ioda_json_add_or_null(json_object *o, const char *key, json_object *v, bool none);
/* Writes @o pretty-printed with a newline and puts it; -ENOMEM, -EIO. */
int ioda_json_write(json_object *o, FILE *out);

#endif
