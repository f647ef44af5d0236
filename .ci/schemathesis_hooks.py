"""Loaded by .ci/schemathesis (SCHEMATHESIS_HOOKS): two corrections of the generated data,
for positive cases only, and nothing about any check.

1. A header value that breaks its own documented pattern is not positive data.

schemathesis 4.32's coverage phase seeds the case template of an OPTIONAL header whose
`pattern` its header generator cannot satisfy (it draws header values from letters and
digits only, and our `If-Match` is an RFC 9110 entity-tag, which needs a `"`) with the
first value that generator yields, which is a NEGATIVE one (for example `0`), and then
sends positive cases carrying it (specs/openapi/coverage/_operation.py: a negative seed is
guarded for required parameters only). positive_data_acceptance then reports the server's
400 for that value as "schema-valid request rejected", although the request is not
schema-valid. This hook removes such a value from POSITIVE cases only, so that a positive
case is what it claims to be; negative cases keep every value they were given.

2. An `Idempotency-Key` is new for each new request: the document says so in words (the
header's description), as the IETF draft does, and a key used before for another request
is answered 422 (`idempotency-key-reused`). A schema cannot state "not used before", and
the generator draws the same few keys (`0`, `a` ...) for every operation, so positive cases
get a fresh key each, as a client following the document sends them. Negative cases keep
theirs.
"""

import re
import uuid

import schemathesis


def _documented_pattern(case, name):
    for parameter in case.operation.headers:
        if parameter.name.lower() == name.lower():
            schema = parameter.definition.get("schema", {})
            return schema.get("pattern")
    return None


@schemathesis.hook
def map_case(context, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or not case.headers:
        return case
    for name in list(case.headers):
        pattern = _documented_pattern(case, name)
        value = case.headers[name]
        if pattern and isinstance(value, str) and re.search(pattern, value) is None:
            del case.headers[name]
        elif name.lower() == "idempotency-key":
            case.headers[name] = str(uuid.uuid4())
    return case
