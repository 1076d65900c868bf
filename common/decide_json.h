/*
 * NAME
 *	decide_json.h - the stable JSON form of decisions (see mxtls(1))
 */
#ifndef MXTLS_DECIDE_JSON_H
#define MXTLS_DECIDE_JSON_H

#include <jansson.h>

#include "decide.h"

/* New references (caller json_decref) or NULL on ENOMEM. */
json_t *mxtls_dane_json(const struct mxtls_dane *d);
json_t *mxtls_decision_json(const struct mxtls_decision *d);

#endif /* MXTLS_DECIDE_JSON_H */
