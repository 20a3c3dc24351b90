# Kubernetes manifests: both kustomizations render with kubectl and every
# rendered object validates strictly against the Kubernetes API schema,
# offline (tests/deploy/validate_k8s.py). scripts/install-deps.sh installs
# kubectl (Debian's kubernetes-client) and python3-kubernetes.
find_program(CODI_KUBECTL kubectl)
find_program(CODI_SYSTEM_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT CODI_KUBECTL)
  set(CODI_KUBECTL kubectl-not-found-run-scripts-install-deps.sh)
endif()
if(NOT CODI_SYSTEM_PYTHON3)
  set(CODI_SYSTEM_PYTHON3 /usr/bin/python3)
endif()
set(_codi_validate ${CMAKE_CURRENT_SOURCE_DIR}/deploy/validate_k8s.py)
add_test(NAME Deploy.KustomizeRendersAndValidatesBase
         COMMAND ${CODI_SYSTEM_PYTHON3} ${_codi_validate} --kubectl ${CODI_KUBECTL}
                 ${CMAKE_SOURCE_DIR}/deploy/k8s/base)
add_test(NAME Deploy.KustomizeRendersAndValidatesExampleOverlay
         COMMAND ${CODI_SYSTEM_PYTHON3} ${_codi_validate} --kubectl ${CODI_KUBECTL}
                 ${CMAKE_SOURCE_DIR}/deploy/k8s/overlays/example)
add_test(NAME Deploy.ValidatorCatchesBrokenManifests
         COMMAND ${CODI_SYSTEM_PYTHON3} ${_codi_validate} --self-test)
# The job specs the ConfigMap carries are valid codi specs.
file(GLOB _codi_k8s_jobs ${CMAKE_SOURCE_DIR}/deploy/k8s/base/jobs/*.yaml)
add_test(NAME Deploy.JobSpecsOfTheConfigMapAreValid
         COMMAND ${CMAKE_BINARY_DIR}/bin/codi validate ${_codi_k8s_jobs})
set_tests_properties(Deploy.JobSpecsOfTheConfigMapAreValid
                     Deploy.KustomizeRendersAndValidatesBase
                     Deploy.KustomizeRendersAndValidatesExampleOverlay
                     Deploy.ValidatorCatchesBrokenManifests
                     PROPERTIES LABELS deploy TIMEOUT 120)
