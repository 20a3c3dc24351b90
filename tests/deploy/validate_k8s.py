#!/usr/bin/python3
"""Validates rendered Kubernetes manifests offline and strictly.

  validate_k8s.py --kubectl KUBECTL DIR...   renders each kustomization with
                                             `kubectl kustomize DIR` and validates it
  validate_k8s.py --self-test                shows that broken manifests are caught

The schema of the built-in kinds is the Kubernetes API's own, as carried by the
generated models of the Python client (Debian's python3-kubernetes): every
model lists its fields (`attribute_map`), their types (`openapi_types`), and
its setters refuse None for required fields. Every key of every object must be
a field of its type, every value of the field's type, every required field
present. The prometheus-operator kinds (ServiceMonitor, PrometheusRule) are not
in the client: their fields that codi uses are spelled out below from the
operator's CRDs (monitoring.coreos.com/v1), and checked as strictly.
"""
import inspect
import re
import subprocess
import sys

import yaml
from kubernetes.client import models

# int-or-string and other free-form fields appear as 'object' in the models.
_PRIMITIVES = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,),
               "datetime": (str,), "date": (str,)}

# monitoring.coreos.com/v1, the fields of the operator's CRDs that codi uses.
_ENDPOINT = {"port": "str", "targetPort": "object", "path": "str", "scheme": "str",
             "interval": "str", "scrapeTimeout": "str", "honorLabels": "bool",
             "relabelings": "list[object]", "metricRelabelings": "list[object]"}
_RULE = {"alert": "str", "record": "str", "expr": "str", "for": "str",
         "labels": "dict(str, str)", "annotations": "dict(str, str)"}
_CRDS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): {
        "spec": {"jobLabel": "str", "selector": "V1LabelSelector",
                 "namespaceSelector": {"any": "bool", "matchNames": "list[str]"},
                 "endpoints": [_ENDPOINT], "targetLabels": "list[str]"}},
    ("monitoring.coreos.com/v1", "PrometheusRule"): {
        "spec": {"groups": [{"name": "str", "interval": "str", "rules": [_RULE]}]}},
}
_CRD_REQUIRED = {"endpoints", "groups", "name", "expr", "selector", "spec"}
# autoscaling/v2 is field for field autoscaling/v2beta2, which is what the
# client of Debian 12 (22.6, Kubernetes 1.22) carries.
_ALIASES = {"V2HorizontalPodAutoscaler": "V2beta2HorizontalPodAutoscaler"}
# Fields added to the API after Kubernetes 1.22 (the client's schema) that
# codi uses, declared as the API defines them: Probe.grpc (GRPCAction, beta in
# 1.24, GA in 1.27; port required).
_EXTENSIONS = {("V1Probe", "grpc"): {"port": "int", "service": "str"}}
_CRD_REQUIRED.add("port")


def _required(cls):
    """Attributes whose setter refuses None (the API's required fields)."""
    out = set()
    for attr in cls.openapi_types:
        prop = getattr(cls, attr, None)
        if isinstance(prop, property) and prop.fset is not None:
            if "must not be `None`" in inspect.getsource(prop.fset):
                out.add(attr)
    return out


def _check(value, typ, path, errors):
    if isinstance(typ, dict):  # a CRD object with fixed fields
        if not isinstance(value, dict):
            errors.append(f"{path}: expected an object")
            return
        for key, v in value.items():
            if key not in typ:
                errors.append(f"{path}.{key}: unknown field")
            else:
                _check(v, typ[key], f"{path}.{key}", errors)
        for key in typ:
            if key in _CRD_REQUIRED and key not in value and not (
                    key == "selector" and "endpoints" not in typ):
                errors.append(f"{path}.{key}: required field missing")
        return
    if isinstance(typ, list):
        if not isinstance(value, list):
            errors.append(f"{path}: expected a list")
            return
        for i, v in enumerate(value):
            _check(v, typ[0], f"{path}[{i}]", errors)
        return
    if typ == "object":
        return
    if typ in _PRIMITIVES:
        ok = isinstance(value, _PRIMITIVES[typ]) and not (
            typ in ("int", "float") and isinstance(value, bool))
        if not ok:
            errors.append(f"{path}: expected {typ}, got {type(value).__name__} {value!r}")
        return
    m = re.fullmatch(r"list\[(.+)\]", typ)
    if m:
        _check(value, [m.group(1)], path, errors)
        return
    m = re.fullmatch(r"dict\(str, (.+)\)", typ)
    if m:
        if not isinstance(value, dict):
            errors.append(f"{path}: expected a map")
            return
        for k, v in value.items():
            _check(v, m.group(1), f"{path}.{k}", errors)
        return
    cls = getattr(models, typ, None)
    if cls is None:
        errors.append(f"{path}: schema has no type {typ}")
        return
    if not isinstance(value, dict):
        errors.append(f"{path}: expected an object ({typ})")
        return
    by_key = {k: a for a, k in cls.attribute_map.items()}
    for key, v in value.items():
        if (typ, key) in _EXTENSIONS:
            _check(v, _EXTENSIONS[(typ, key)], f"{path}.{key}", errors)
            continue
        if key not in by_key:
            errors.append(f"{path}.{key}: unknown field")
            continue
        _check(v, cls.openapi_types[by_key[key]], f"{path}.{key}", errors)
    for attr in sorted(_required(cls)):
        if cls.attribute_map[attr] not in value:
            errors.append(f"{path}.{cls.attribute_map[attr]}: required field missing")


def validate(obj):
    """Returns (label, errors) for one manifest."""
    if not isinstance(obj, dict):
        return "?", ["not an object"]
    api, kind = obj.get("apiVersion", ""), obj.get("kind", "")
    name = (obj.get("metadata") or {}).get("name", "?")
    label = f"{api} {kind} {name}"
    errors = []
    if not (obj.get("metadata") or {}).get("name"):
        errors.append("metadata.name: required field missing")
    if (api, kind) in _CRDS:
        schema = dict(_CRDS[(api, kind)], apiVersion="str", kind="str", metadata="V1ObjectMeta")
        _check(obj, schema, kind, errors)
    else:
        version = api.split("/")[-1]
        cls_name = f"{version[0].upper()}{version[1:]}{kind}" if version else ""
        cls_name = _ALIASES.get(cls_name, cls_name)
        if not kind or getattr(models, cls_name, None) is None:
            errors.append(f"unknown kind {kind!r} of apiVersion {api!r}")
        else:
            _check(obj, cls_name, kind, errors)
    return label, [f"{kind}/{name}: {e}" for e in errors]


def validate_all(docs):
    errors, labels = [], []
    for obj in docs:
        if obj is None:
            continue
        label, errs = validate(obj)
        labels.append(label)
        errors.extend(errs)
    return labels, errors


def self_test():
    pod = {"containers": [{"name": "w", "image": "codi", "ports": [{"containerPort": 9464}]}]}
    good = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w"},
            "spec": {"selector": {"matchLabels": {"a": "b"}},
                     "template": {"metadata": {"labels": {"a": "b"}}, "spec": pod}}}
    import copy
    cases = []
    b = copy.deepcopy(good)
    b["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    cases.append((b, "spec.template.spec.containers[0].imagePullPolicyy: unknown field"))
    b = copy.deepcopy(good)
    b["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "9464"
    cases.append((b, "spec.template.spec.containers[0].ports[0].containerPort: expected int"))
    b = copy.deepcopy(good)
    del b["spec"]["template"]["spec"]["containers"][0]["name"]
    cases.append((b, "spec.template.spec.containers[0].name: required field missing"))
    b = copy.deepcopy(good)
    b["kind"] = "Deploymentt"
    cases.append((b, "unknown kind 'Deploymentt'"))
    cases.append(({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
                   "metadata": {"name": "m"},
                   "spec": {"selector": {}, "endpoints": [{"port": "metrics", "intervall": "1s"}]}},
                  "spec.endpoints[0].intervall: unknown field"))
    cases.append(({"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
                   "metadata": {"name": "r"},
                   "spec": {"groups": [{"name": "g", "rules": [{"alert": "A"}]}]}},
                  "spec.groups[0].rules[0].expr: required field missing"))
    failures = 0
    _, errs = validate_all([good])
    if errs:
        print("self-test: the good manifest was rejected:", errs)
        failures += 1
    for doc, want in cases:
        _, errs = validate_all([doc])
        if any(want in e for e in errs):
            print(f"caught: {want}")
        else:
            print(f"MISSED: {want} (got {errs})")
            failures += 1
    print(f"self-test: {len(cases) - failures + (0 if failures else 0)} of {len(cases)} "
          f"broken manifests caught" if not failures else f"self-test: {failures} failures")
    return 1 if failures else 0


def main(argv):
    if "--self-test" in argv:
        return self_test()
    kubectl = "kubectl"
    dirs = []
    i = 0
    while i < len(argv):
        if argv[i] == "--kubectl":
            kubectl = argv[i + 1]
            i += 2
            continue
        dirs.append(argv[i])
        i += 1
    if not dirs:
        print(__doc__)
        return 2
    failed = False
    for d in dirs:
        rendered = subprocess.run([kubectl, "kustomize", d], capture_output=True, text=True)
        if rendered.returncode != 0:
            print(f"{d}: kubectl kustomize failed:\n{rendered.stderr}")
            failed = True
            continue
        labels, errors = validate_all(yaml.safe_load_all(rendered.stdout))
        for label in labels:
            print(f"ok  {label}" if not any(e.startswith(label.split(' ')[1] + '/' +
                                                          label.split(' ')[2] + ':')
                                            for e in errors) else f"BAD {label}")
        for e in errors:
            print(f"error: {e}")
        print(f"{d}: {len(labels)} objects, {len(errors)} errors")
        failed = failed or bool(errors) or not labels
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
