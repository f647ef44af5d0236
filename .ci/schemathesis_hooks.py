"""Loaded by .ci/schemathesis (SCHEMATHESIS_HOOKS): one correction of the generator, nothing
about any check.

schemathesis 4.32's coverage phase seeds the case template of an OPTIONAL header whose
`pattern` its header generator cannot satisfy (it draws header values from letters and
digits only, and our `If-Match` is an RFC 9110 entity-tag, which needs a `"`) with the
first value that generator yields, which is a NEGATIVE one (for example `0`), and then
sends positive cases carrying it (specs/openapi/coverage/_operation.py: a negative seed is
guarded for required parameters only). positive_data_acceptance then reports the server's
400 for that value as "schema-valid request rejected", although the request is not
schema-valid. This hook removes such a value from POSITIVE cases only, so that a positive
case is what it claims to be; negative cases keep every value they were given.
"""

import re

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
    return case
