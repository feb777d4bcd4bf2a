"""The field checks every kind shares: names, label keys and values, ports, object metadata, label selectors.

Mirrors `k8s.io/apimachinery/pkg/util/validation`, `.../api/validation/objectmeta.go` and
`.../apis/meta/v1/validation`, with `field.Error` causes built by `invalid`, `required`, `forbidden` ...
"""

from __future__ import annotations

import re

from kubesim.model.errors import Cause

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + r"(\." + DNS1123_LABEL_FMT + ")*"
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_VALUE_FMT = "(" + QUALIFIED_NAME_FMT + ")?"
CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"
PERCENT_FMT = "[0-9]+%"

QUALIFIED_NAME_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                      "alphanumeric character")
FILE_MODE_MSG = "must be a number between 0 and 0777 (octal), both inclusive"
IMMUTABLE_MSG = "field is immutable"


def full_match(fmt: str) -> re.Pattern:
    return re.compile("(?:" + fmt + r")\Z")


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """Mirror `RegexError`: the message, its examples and the regex (note the doubled space before "or")."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    return msg + " (e.g. " + " or ".join(f"'{e}', " for e in examples) + f"regex used for validation is '{fmt}')"


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def is_dns1123_label(value: str) -> list[str]:
    """Mirror `IsDNS1123Label` (apimachinery pkg/util/validation): a valid subdomain that is not a label
    (so: it has dots) gets "must not contain dots", anything else the RFC 1123 label regex message."""
    errs = []
    if len(value) > 63:
        errs.append(max_len_error(63))
    if not full_match(DNS1123_LABEL_FMT).match(value):
        if full_match(DNS1123_SUBDOMAIN_FMT).match(value):
            errs.append("must not contain dots")
            return errs
        errs.append(regex_error("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                                "and must start and end with an alphanumeric character", DNS1123_LABEL_FMT,
                                "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    """Mirror `IsDNS1123Subdomain`."""
    errs = []
    if len(value) > 253:
        errs.append(max_len_error(253))
    if not full_match(DNS1123_SUBDOMAIN_FMT).match(value):
        errs.append(regex_error("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                                "'-' or '.', and must start and end with an alphanumeric character",
                                DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    """Mirror `IsDNS1035Label`."""
    errs = []
    if len(value) > 63:
        errs.append(max_len_error(63))
    if not full_match(DNS1035_LABEL_FMT).match(value):
        errs.append(regex_error("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
                                "with an alphabetic character, and end with an alphanumeric character",
                                DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def _name_fn(check):
    """Build a `ValidateNameFunc`: with `prefix`, a trailing dash is masked (`maskTrailingDash`)."""
    def validate(name: str, prefix: bool = False) -> list[str]:
        if prefix and len(name) > 1 and name.endswith("-"):
            name = name[:-2] + "a"
        return check(name)
    return validate


name_is_dns_subdomain = _name_fn(is_dns1123_subdomain)
name_is_dns1035_label = _name_fn(is_dns1035_label)
name_is_dns_label = _name_fn(is_dns1123_label)


def is_qualified_name(value: str) -> list[str]:
    """Mirror `IsQualifiedName` (label keys, annotation keys)."""
    errs = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + msg for msg in is_dns1123_subdomain(prefix))
    else:
        return ["a qualified name " + regex_error(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part " + max_len_error(63))
    if not full_match(QUALIFIED_NAME_FMT).match(name):
        errs.append("name part " + regex_error(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc"))
    return errs


def is_valid_label_value(value: str) -> list[str]:
    """Mirror `IsValidLabelValue`."""
    errs = []
    if len(value.encode("utf-8", "surrogatepass")) > 63:
        errs.append("must be no more than 63 bytes")
    if not full_match(LABEL_VALUE_FMT).match(value):
        errs.append(regex_error("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
                                "or '.', and must start and end with an alphanumeric character", LABEL_VALUE_FMT,
                                "MyValue", "my_value", "12345"))
    return errs


def is_config_map_key(value: str) -> list[str]:
    """Mirror `IsConfigMapKey`."""
    errs = []
    if len(value.encode()) > 253:
        errs.append(max_len_error(253))
    if not full_match(CONFIG_MAP_KEY_FMT).match(value):
        errs.append(regex_error("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                                CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    if value == ".":
        errs.append("must not be '.'")
    elif value == "..":
        errs.append("must not be '..'")
    elif value.startswith(".."):
        errs.append("must not start with '..'")
    return errs


def is_relaxed_env_var_name(value: str) -> list[str]:
    """Mirror `IsRelaxedEnvVarName` (RelaxedEnvironmentVariableValidation, GA and locked on in v1.34)."""
    errs = []
    if not value:
        errs.append("environment variable name must be non-empty")
    if any(ord(ch) > 126 or ord(ch) < 32 or ch == "=" for ch in value):
        errs.append("a valid environment variable name must consist only of printable ASCII characters other than '='")
    return errs


def is_valid_port_num(port: int) -> list[str]:
    return [] if 1 <= port <= 65535 else ["must be between 1 and 65535, inclusive"]


def is_valid_port_name(port: str) -> list[str]:
    """Mirror `IsValidPortName` (an IANA_SVC_NAME)."""
    errs = []
    if len(port) > 15:
        errs.append(max_len_error(15))
    if not re.fullmatch("[-a-z0-9]+", port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", port):
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def invalid(field: str, value, detail: str) -> Cause:
    return Cause(field, "Invalid value", detail, value, True)


def required(field: str, detail: str = "") -> Cause:
    return Cause(field, "Required value", detail)


def forbidden(field: str, detail: str) -> Cause:
    return Cause(field, "Forbidden", detail)


def duplicate(field: str, value) -> Cause:
    return Cause(field, "Duplicate value", "", value, True)


def not_found(field: str, value) -> Cause:
    return Cause(field, "Not found", "", value, True)


def not_supported(field: str, value, supported: list[str]) -> Cause:
    return Cause(field, "Unsupported value", "supported values: " + ", ".join(f'"{s}"' for s in supported), value, True)


def nonnegative(value: int, field: str) -> list[Cause]:
    """Mirror `ValidateNonnegativeField`."""
    return [invalid(field, value, "must be greater than or equal to 0")] if value < 0 else []


def sorted_items(mapping: dict) -> list:
    return sorted(mapping.items(), key=lambda kv: str(kv[0]).encode("utf-8", "surrogatepass"))


def validate_labels(labels: dict | None, field: str) -> list[Cause]:
    """Mirror `ValidateLabels`: key errors and value errors both on the map's path."""
    causes = []
    for key, value in sorted_items(labels or {}):
        causes += [invalid(field, key, msg) for msg in is_qualified_name(key)]
        causes += [invalid(field, value, msg) for msg in is_valid_label_value(value)]
    return causes


def validate_annotations(annotations: dict | None, field: str) -> list[Cause]:
    """Mirror `ValidateAnnotations`: lower-cased qualified-name keys, at most 256 KiB in total."""
    causes = []
    total = 0
    for key, value in sorted_items(annotations or {}):
        causes += [invalid(field, key, msg) for msg in is_qualified_name(key.lower())]
        total += len(key) + len(value)
    if total > 256 * 1024:
        causes.append(Cause(field, "Too long", f"must have at most {256 * 1024} bytes"))
    return causes


def validate_object_meta(meta: dict, name_fn, namespaced: bool = True) -> list[Cause]:
    """Mirror `ValidateObjectMetaAccessor` for the fields a client can set."""
    causes = []
    if meta.get("generateName"):
        causes += [invalid("metadata.generateName", meta["generateName"], msg) for msg in name_fn(meta["generateName"], True)]
    if not meta.get("name"):
        if not meta.get("generateName"):
            causes.append(required("metadata.name", "name or generateName is required"))
    else:
        causes += [invalid("metadata.name", meta["name"], msg) for msg in name_fn(meta["name"])]
    if namespaced:
        causes += [invalid("metadata.namespace", meta["namespace"], msg) for msg in name_is_dns_label(meta["namespace"])]
    causes += nonnegative(meta.get("generation", 0), "metadata.generation")
    causes += validate_labels(meta.get("labels"), "metadata.labels")
    causes += validate_annotations(meta.get("annotations"), "metadata.annotations")
    return causes


# =============================================================================================== selectors


_SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def validate_label_selector(selector: dict, field: str) -> list[Cause]:
    """Mirror `ValidateLabelSelector` and `ValidateLabelSelectorRequirement`."""
    causes = validate_labels(selector.get("matchLabels"), f"{field}.matchLabels")
    for i, req in enumerate(selector.get("matchExpressions", [])):
        path = f"{field}.matchExpressions[{i}]"
        operator, values = req.get("operator", ""), req.get("values") or []
        if operator in ("In", "NotIn"):
            if not values:
                causes.append(required(f"{path}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                causes.append(forbidden(f"{path}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        else:
            causes.append(invalid(f"{path}.operator", operator, "not a valid selector operator"))
        causes += [invalid(f"{path}.key", req.get("key", ""), msg) for msg in is_qualified_name(req.get("key", ""))]
        for j, value in enumerate(values):
            causes += [invalid(f"{path}.values[{j}]", value, msg) for msg in is_valid_label_value(value)]
    return causes
