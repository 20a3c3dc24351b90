# Kubernetes manifests (deploy/k8s): both kustomizations render with
# `kubectl kustomize`, and every rendered object validates strictly against
# the Kubernetes API schema, offline (tests/deploy/validate_k8s.py, run with
# Debian's python3 and its python3-yaml and python3-kubernetes). The
# validator's --self-test shows that broken manifests are caught.
# scripts/install-deps.sh installs those packages, and Debian's
# kubernetes-client when the machine has no kubectl.
# Included from tests/CMakeLists.txt: CMAKE_CURRENT_SOURCE_DIR is tests/.
find_program(KUBECTL kubectl)
find_program(SYSTEM_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT KUBECTL)
  # Not silently skipped: the tests run `kubectl` from PATH and fail with a
  # message naming the install script if there is none.
  message(WARNING "kubectl not found: the Deploy.Kustomize* tests will fail; "
                  "run scripts/install-deps.sh (installs Debian's kubernetes-client)")
  set(_codi_kubectl kubectl)
else()
  set(_codi_kubectl ${KUBECTL})
endif()
if(NOT SYSTEM_PYTHON3)
  message(WARNING "/usr/bin/python3 not found: the Deploy.* tests will fail; "
                  "run scripts/install-deps.sh")
  set(SYSTEM_PYTHON3 /usr/bin/python3)
endif()
set(_codi_validate ${CMAKE_CURRENT_SOURCE_DIR}/deploy/validate_k8s.py)
add_test(NAME Deploy.KustomizeRendersAndValidatesBase
         COMMAND ${SYSTEM_PYTHON3} ${_codi_validate} --kubectl ${_codi_kubectl}
                 ${CMAKE_SOURCE_DIR}/deploy/k8s/base)
add_test(NAME Deploy.KustomizeRendersAndValidatesExampleOverlay
         COMMAND ${SYSTEM_PYTHON3} ${_codi_validate} --kubectl ${_codi_kubectl}
                 ${CMAKE_SOURCE_DIR}/deploy/k8s/overlays/example)
add_test(NAME Deploy.ValidatorCatchesBrokenManifests
         COMMAND ${SYSTEM_PYTHON3} ${_codi_validate} --self-test)
# The job specs the ConfigMap carries are valid codi specs.
file(GLOB _codi_k8s_jobs ${CMAKE_SOURCE_DIR}/deploy/k8s/base/jobs/*.yaml)
add_test(NAME Deploy.JobSpecsOfTheConfigMapAreValid
         COMMAND ${CMAKE_BINARY_DIR}/bin/codi validate ${_codi_k8s_jobs})
set_tests_properties(Deploy.JobSpecsOfTheConfigMapAreValid
                     Deploy.KustomizeRendersAndValidatesBase
                     Deploy.KustomizeRendersAndValidatesExampleOverlay
                     Deploy.ValidatorCatchesBrokenManifests
                     PROPERTIES LABELS deploy TIMEOUT 120)
