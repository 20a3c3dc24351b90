#!/usr/bin/python3
"""Validates rendered Kubernetes manifests offline and strictly.

  validate_k8s.py [--kubectl KUBECTL] DIR...   renders each kustomization with
                                               `KUBECTL kustomize DIR` (default:
                                               kubectl on PATH) and validates it
  validate_k8s.py --self-test                  shows that broken manifests are caught

Exit 0 with one `ok  APIVERSION KIND NAME` line per object; 1 with the errors.

The schema of the built-in kinds is the Kubernetes API's own, as carried by the
generated models of the Python client (Debian's python3-kubernetes 22.6, i.e.
Kubernetes 1.22): every model class lists its fields (`attribute_map`: attribute
-> JSON key) and their types (`openapi_types`: 'str', 'int', 'list[V1Container]',
'dict(str, str)', 'V1ObjectMeta', 'object', ...), and its setters raise
ValueError("... must not be `None`") for the API's required fields. Every key
of every object must be a field of its type, every value of the field's type,
every required field present. The prometheus-operator kinds (ServiceMonitor,
PrometheusRule) are not in the client: the fields of their CRDs
(monitoring.coreos.com/v1) that codi can use are spelled out below and checked
as strictly. Any other kind is an error.

Run it with Debian's /usr/bin/python3 (python3-yaml, python3-kubernetes).
"""
import copy
import re
import subprocess
import sys

import yaml
from kubernetes.client import models
from kubernetes.client.configuration import Configuration

# (apiVersion, kind) -> model class. Explicit, so that a kind under the wrong
# group (apps/v1 Service) is an unknown kind, not a V1Service.
_KINDS = {
    ("v1", "ConfigMap"): "V1ConfigMap",
    ("v1", "Secret"): "V1Secret",
    ("v1", "Service"): "V1Service",
    ("v1", "ServiceAccount"): "V1ServiceAccount",
    ("v1", "PersistentVolumeClaim"): "V1PersistentVolumeClaim",
    ("v1", "Pod"): "V1Pod",
    ("v1", "Namespace"): "V1Namespace",
    ("apps/v1", "Deployment"): "V1Deployment",
    ("apps/v1", "StatefulSet"): "V1StatefulSet",
    ("apps/v1", "DaemonSet"): "V1DaemonSet",
    ("batch/v1", "Job"): "V1Job",
    ("batch/v1", "CronJob"): "V1CronJob",
    ("policy/v1", "PodDisruptionBudget"): "V1PodDisruptionBudget",
    ("autoscaling/v1", "HorizontalPodAutoscaler"): "V1HorizontalPodAutoscaler",
    # autoscaling/v2 (GA in Kubernetes 1.23) is field for field autoscaling/v2beta2,
    # the newest HPA schema the 22.6 client carries: validate against it.
    ("autoscaling/v2", "HorizontalPodAutoscaler"): "V2beta2HorizontalPodAutoscaler",
    ("networking.k8s.io/v1", "NetworkPolicy"): "V1NetworkPolicy",
    ("networking.k8s.io/v1", "Ingress"): "V1Ingress",
    ("rbac.authorization.k8s.io/v1", "Role"): "V1Role",
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): "V1RoleBinding",
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): "V1ClusterRole",
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): "V1ClusterRoleBinding",
}

class Obj:
    """An explicitly declared object type: its fields and the required ones."""

    def __init__(self, name, fields, required=(), check=None):
        self.name, self.fields, self.required, self.check = name, fields, set(required), check


# Fields added to the API after Kubernetes 1.22 (the client's schema) that codi
# uses, declared as the API defines them: Probe.grpc (GRPCAction; alpha 1.23,
# beta and on by default 1.24, GA 1.27).
_GRPC_ACTION = Obj("GRPCAction", {"port": "int", "service": "str"}, required=["port"])
_EXTENSIONS = {("V1Probe", "grpc"): _GRPC_ACTION}

# Free-form fields: typed 'object' in the models but not int-or-string.
_FREE_FORM = {("V1ControllerRevision", "data"), ("V1ManagedFieldsEntry", "fields_v1"),
              ("V1WatchEvent", "object"), ("V1CustomResourceSubresources", "status"),
              ("V1alpha1StorageVersion", "spec")}
# resource.Quantity fields: 'str' in the models; the API also takes a number.
_QUANTITY = {("V1ResourceRequirements", "limits"), ("V1ResourceRequirements", "requests"),
             ("V1EmptyDirVolumeSource", "size_limit")}

# monitoring.coreos.com/v1, from the prometheus-operator CRDs: the fields codi
# can use (a field the operator has but that is not listed here is reported as
# unknown: add it here when it is needed).
_RELABEL = Obj("RelabelConfig", {
    "sourceLabels": "list[str]", "separator": "str", "targetLabel": "str", "regex": "str",
    "modulus": "int", "replacement": "str", "action": "str"})
_ENDPOINT = Obj("Endpoint", {
    "port": "str", "targetPort": "int-or-string", "path": "str", "scheme": "str",
    "params": "dict(str, list[str])", "interval": "str", "scrapeTimeout": "str",
    "honorLabels": "bool", "honorTimestamps": "bool",
    "relabelings": [_RELABEL], "metricRelabelings": [_RELABEL]})
_SERVICE_MONITOR_SPEC = Obj("ServiceMonitorSpec", {
    "jobLabel": "str", "targetLabels": "list[str]", "podTargetLabels": "list[str]",
    "selector": "V1LabelSelector",
    "namespaceSelector": Obj("NamespaceSelector", {"any": "bool", "matchNames": "list[str]"}),
    "endpoints": [_ENDPOINT], "sampleLimit": "int"}, required=["selector"])


def _alert_xor_record(value, path, errors):
    if ("alert" in value) == ("record" in value):
        errors.append(f"{path}: exactly one of alert and record is required")


_RULE = Obj("Rule", {"alert": "str", "record": "str", "expr": "int-or-string", "for": "str",
                     "labels": "dict(str, str)", "annotations": "dict(str, str)"},
            required=["expr"], check=_alert_xor_record)
_RULE_GROUP = Obj("RuleGroup", {"name": "str", "interval": "str", "rules": [_RULE]},
                  required=["name", "rules"])
_PROMETHEUS_RULE_SPEC = Obj("PrometheusRuleSpec", {"groups": [_RULE_GROUP]})


def _crd(spec):
    return Obj("", {"apiVersion": "str", "kind": "str", "metadata": "V1ObjectMeta", "spec": spec},
               required=["metadata", "spec"])


_CRDS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): _crd(_SERVICE_MONITOR_SPEC),
    ("monitoring.coreos.com/v1", "PrometheusRule"): _crd(_PROMETHEUS_RULE_SPEC),
}

_PRIMITIVES = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,),
               "datetime": (str,), "date": (str,), "int-or-string": (int, str),
               "quantity": (str, int, float)}

_config = Configuration()
_config.client_side_validation = True
_required_cache = {}


def required_attributes(cls):
    """The attributes of a model class whose setter refuses None: the API's
    required fields. Found by calling each setter with None on a bare instance
    (robust to how the generator words its code), keeping the ValueErrors the
    generator raises for required fields ("... must not be `None`") apart from
    any other validation error."""
    if cls not in _required_cache:
        out = set()
        obj = cls.__new__(cls)
        obj.local_vars_configuration = _config
        for attr in cls.openapi_types:
            prop = getattr(cls, attr, None)
            if not isinstance(prop, property) or prop.fset is None:
                continue
            try:
                prop.fset(obj, None)
            except ValueError as e:
                if "must not be `None`" in str(e):
                    out.add(attr)
        _required_cache[cls] = out
    return _required_cache[cls]


def _type_name(value):
    return "null" if value is None else type(value).__name__


def _check(value, typ, path, errors):
    """Appends to errors every way value is not of type typ (a model type
    string, an Obj, or [Obj] for a list of them)."""
    if isinstance(typ, list):
        if not isinstance(value, list):
            errors.append(f"{path}: expected a list, got {_type_name(value)}")
            return
        for i, v in enumerate(value):
            _check(v, typ[0], f"{path}[{i}]", errors)
        return
    if isinstance(typ, Obj):
        if not isinstance(value, dict):
            errors.append(f"{path}: expected an object ({typ.name}), got {_type_name(value)}")
            return
        for key, v in value.items():
            if key not in typ.fields:
                errors.append(f"{_join(path, key)}: unknown field")
            else:
                _check(v, typ.fields[key], _join(path, key), errors)
        for key in sorted(typ.required):
            if key not in value:
                errors.append(f"{_join(path, key)}: required field missing")
        if typ.check:
            typ.check(value, path, errors)
        return
    if typ == "object":  # int-or-string, or free-form (the caller decides which)
        typ = "int-or-string"
    if typ in _PRIMITIVES:
        ok = isinstance(value, _PRIMITIVES[typ]) and not (
            isinstance(value, bool) and typ != "bool")
        if not ok:
            errors.append(f"{path}: expected {typ}, got {_type_name(value)} {value!r}")
        return
    m = re.fullmatch(r"list\[(.+)\]", typ)
    if m:
        _check(value, [m.group(1)], path, errors)
        return
    m = re.fullmatch(r"dict\(str, (.+)\)", typ)
    if m:
        if not isinstance(value, dict):
            errors.append(f"{path}: expected a map, got {_type_name(value)}")
            return
        for k, v in value.items():
            _check(v, m.group(1), f"{path}.{k}", errors)
        return
    cls = getattr(models, typ, None)
    if cls is None or not hasattr(cls, "openapi_types"):
        errors.append(f"{path}: the schema has no type {typ}")
        return
    if not isinstance(value, dict):
        errors.append(f"{path}: expected an object ({typ}), got {_type_name(value)}")
        return
    by_key = {k: a for a, k in cls.attribute_map.items()}
    for key, v in value.items():
        sub = _join(path, key)
        if (typ, key) in _EXTENSIONS:
            _check(v, _EXTENSIONS[(typ, key)], sub, errors)
            continue
        attr = by_key.get(key)
        if attr is None:
            errors.append(f"{sub}: unknown field")
            continue
        ftype = cls.openapi_types[attr]
        if (typ, attr) in _FREE_FORM:
            continue
        if (typ, attr) in _QUANTITY:
            ftype = "dict(str, quantity)" if ftype == "dict(str, str)" else "quantity"
        _check(v, ftype, sub, errors)
    for attr in sorted(required_attributes(cls)):
        if cls.attribute_map[attr] not in value:
            errors.append(f"{_join(path, cls.attribute_map[attr])}: required field missing")


def _join(path, key):
    return f"{path}.{key}" if path else key


def validate(obj):
    """Returns (label, errors) for one manifest; each error starts KIND/NAME:."""
    if not isinstance(obj, dict):
        return "?", [f"?: not an object but {_type_name(obj)}"]
    api, kind = obj.get("apiVersion", ""), obj.get("kind", "")
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    name = meta.get("name") or "?"
    errors = []
    if not meta.get("name"):
        errors.append("metadata.name: required field missing")
    if (api, kind) in _CRDS:
        _check(obj, _CRDS[(api, kind)], "", errors)
    elif (api, kind) in _KINDS:
        _check(obj, _KINDS[(api, kind)], "", errors)
    else:
        errors.append(f"unknown kind {kind!r} of apiVersion {api!r}")
    return f"{api} {kind} {name}", [f"{kind or '?'}/{name}: {e}" for e in errors]


def validate_all(docs):
    """Returns ([(label, ok)], errors) for a stream of manifests."""
    results, errors, seen = [], [], set()
    for obj in docs:
        if obj is None:
            continue
        label, errs = validate(obj)
        if label in seen:
            errs.append(f"{label}: duplicate object")
        seen.add(label)
        results.append((label, not errs))
        errors.extend(errs)
    return results, errors


def render(kubectl, directory):
    """Returns (yaml text, None) or (None, error)."""
    try:
        r = subprocess.run([kubectl, "kustomize", directory], capture_output=True, text=True)
    except (FileNotFoundError, PermissionError) as e:
        return None, (f"cannot run kubectl ({kubectl!r}: {e}); install it "
                      "(scripts/install-deps.sh installs Debian's kubernetes-client) "
                      "or pass --kubectl PATH")
    if r.returncode != 0:
        return None, f"`{kubectl} kustomize {directory}` failed:\n{r.stderr}"
    return r.stdout, None


def self_test():
    """Feeds broken manifests to the validator; each must be caught, at the
    right path. Returns the exit status."""
    failures = []

    def expect(what, ok):
        print(f"{'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            failures.append(what)

    # The required-field detection itself, against fields the API requires.
    for cls, want, not_want in [
            ("V1Container", {"name"}, {"image"}), ("V1PodSpec", {"containers"}, set()),
            ("V1ContainerPort", {"container_port"}, {"name"}),
            ("V1HTTPGetAction", {"port"}, {"path"}),
            ("V1DeploymentSpec", {"selector", "template"}, {"replicas"}),
            ("V1ObjectMeta", set(), {"name"}), ("V1EnvVar", {"name"}, {"value"}),
            ("V2beta2HorizontalPodAutoscalerSpec", {"max_replicas", "scale_target_ref"},
             {"min_replicas"})]:
        req = required_attributes(getattr(models, cls))
        expect(f"required fields of {cls} include {sorted(want)}, not {sorted(not_want)}",
               want <= req and not (not_want & req))

    container = {"name": "w", "image": "codi", "ports": [{"name": "m", "containerPort": 9464}],
                 "env": [{"name": "A", "value": "1"}],
                 "resources": {"requests": {"cpu": 1, "memory": "64Mi"}},
                 "readinessProbe": {"grpc": {"port": 7070}},
                 "livenessProbe": {"httpGet": {"path": "/health", "port": "m"}}}
    good = {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "w", "labels": {"a": "b"}},
            "spec": {"selector": {"matchLabels": {"a": "b"}},
                     "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
                     "template": {"metadata": {"labels": {"a": "b"}},
                                  "spec": {"containers": [container]}}}}
    monitor = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
               "metadata": {"name": "m"},
               "spec": {"selector": {"matchLabels": {"a": "b"}},
                        "endpoints": [{"port": "metrics", "interval": "15s",
                                       "relabelings": [{"sourceLabels": ["x"],
                                                        "targetLabel": "y"}]}]}}
    rule = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
            "metadata": {"name": "r"},
            "spec": {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up == 0",
                                                         "for": "5m"}]}]}}
    for doc in (good, monitor, rule):
        _, errs = validate_all([doc])
        expect(f"a valid {doc['kind']} passes {errs if errs else ''}", not errs)

    def broken(base, edit):
        doc = copy.deepcopy(base)
        edit(doc)
        return doc

    c0 = lambda d: d["spec"]["template"]["spec"]["containers"][0]  # noqa: E731
    cases = [
        ("unknown field deep in a pod spec",
         broken(good, lambda d: c0(d).update(imagePullPolicyy="Always")),
         "Deployment/w: spec.template.spec.containers[0].imagePullPolicyy: unknown field"),
        ("unknown field in a probe",
         broken(good, lambda d: c0(d)["livenessProbe"]["httpGet"].update(paht="/x")),
         "Deployment/w: spec.template.spec.containers[0].livenessProbe.httpGet.paht: "
         "unknown field"),
        ("string where an int is expected",
         broken(good, lambda d: c0(d)["ports"][0].update(containerPort="9464")),
         "Deployment/w: spec.template.spec.containers[0].ports[0].containerPort: expected int"),
        ("int where a string is expected (env value)",
         broken(good, lambda d: c0(d)["env"][0].update(value=1)),
         "Deployment/w: spec.template.spec.containers[0].env[0].value: expected str"),
        ("bool where an int is expected",
         broken(good, lambda d: d["spec"].update(replicas=True)),
         "Deployment/w: spec.replicas: expected int"),
        ("a list where int-or-string is expected",
         broken(good, lambda d: d["spec"]["strategy"]["rollingUpdate"].update(maxSurge=[1])),
         "Deployment/w: spec.strategy.rollingUpdate.maxSurge: expected int-or-string"),
        ("a map where a list is expected",
         broken(good, lambda d: c0(d).update(args={"a": 1})),
         "Deployment/w: spec.template.spec.containers[0].args: expected a list"),
        ("missing required containers[].name",
         broken(good, lambda d: c0(d).pop("name")),
         "Deployment/w: spec.template.spec.containers[0].name: required field missing"),
        ("missing required spec.template",
         broken(good, lambda d: d["spec"].pop("template")),
         "Deployment/w: spec.template: required field missing"),
        ("missing required grpc probe port",
         broken(good, lambda d: c0(d)["readinessProbe"]["grpc"].pop("port")),
         "Deployment/w: spec.template.spec.containers[0].readinessProbe.grpc.port: "
         "required field missing"),
        ("missing metadata.name",
         broken(good, lambda d: d["metadata"].pop("name")),
         "Deployment/?: metadata.name: required field missing"),
        ("unknown kind", broken(good, lambda d: d.update(kind="Deploymentt")),
         "Deploymentt/w: unknown kind 'Deploymentt' of apiVersion 'apps/v1'"),
        ("kind under the wrong group", broken(good, lambda d: d.update(kind="Service")),
         "Service/w: unknown kind 'Service' of apiVersion 'apps/v1'"),
        ("ServiceMonitor: unknown endpoint field",
         broken(monitor, lambda d: d["spec"]["endpoints"][0].update(intervall="1s")),
         "ServiceMonitor/m: spec.endpoints[0].intervall: unknown field"),
        ("ServiceMonitor: unknown relabeling field",
         broken(monitor, lambda d: d["spec"]["endpoints"][0]["relabelings"][0].update(
             target_label="y")),
         "ServiceMonitor/m: spec.endpoints[0].relabelings[0].target_label: unknown field"),
        ("ServiceMonitor: missing selector",
         broken(monitor, lambda d: d["spec"].pop("selector")),
         "ServiceMonitor/m: spec.selector: required field missing"),
        ("PrometheusRule: missing expr",
         broken(rule, lambda d: d["spec"]["groups"][0]["rules"][0].pop("expr")),
         "PrometheusRule/r: spec.groups[0].rules[0].expr: required field missing"),
        ("PrometheusRule: both alert and record",
         broken(rule, lambda d: d["spec"]["groups"][0]["rules"][0].update(record="x")),
         "PrometheusRule/r: spec.groups[0].rules[0]: exactly one of alert and record"),
        ("PrometheusRule: `for` as a number",
         broken(rule, lambda d: d["spec"]["groups"][0]["rules"][0].update({"for": 5})),
         "PrometheusRule/r: spec.groups[0].rules[0].for: expected str"),
    ]
    for what, doc, want in cases:
        _, errs = validate_all([doc])
        hit = any(e.startswith(want) for e in errs)
        expect(f"caught {what}: {want}" if hit else f"missed {what}: {want} (got {errs})", hit)
    _, errs = validate_all([good, good])
    expect("caught a duplicate object", any("duplicate object" in e for e in errs))
    print(f"self-test: {len(cases)} broken manifests, "
          f"{'all caught' if not failures else f'{len(failures)} checks FAILED'}")
    return 1 if failures else 0


def main(argv):
    if argv == ["--self-test"]:
        return self_test()
    kubectl, dirs, i = "kubectl", [], 0
    while i < len(argv):
        if argv[i] == "--kubectl" and i + 1 < len(argv):
            kubectl = argv[i + 1]
            i += 2
        elif argv[i].startswith("-"):
            print(__doc__, file=sys.stderr)
            return 2
        else:
            dirs.append(argv[i])
            i += 1
    if not dirs:
        print(__doc__, file=sys.stderr)
        return 2
    failed = False
    for d in dirs:
        text, err = render(kubectl, d)
        if err:
            print(f"{d}: error: {err}")
            failed = True
            continue
        try:
            docs = list(yaml.safe_load_all(text))
        except yaml.YAMLError as e:
            print(f"{d}: error: the rendered YAML does not parse: {e}")
            failed = True
            continue
        results, errors = validate_all(docs)
        for label, ok in results:
            print(f"{'ok ' if ok else 'BAD'} {label}")
        for e in errors:
            print(f"error: {e}")
        if not results:
            errors.append("no objects rendered")
        print(f"{d}: {len(results)} objects, {len(errors)} errors")
        failed = failed or bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
