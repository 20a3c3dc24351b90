# Monitoring artefacts (deploy/prometheus, deploy/grafana, deploy/k8s/base/prometheusrule.yaml):
# script tests run by Debian's python3, with promtool (Debian package prometheus).
# Included from tests/CMakeLists.txt; the checker exits 77 (skipped) without promtool.
set(_codi_monitoring_repo "${CMAKE_CURRENT_LIST_DIR}/../..")
set(_codi_monitoring_check
  /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/check_monitoring.py
  --repo ${_codi_monitoring_repo} --bin ${CMAKE_BINARY_DIR}/bin)

add_test(NAME Monitoring.AlertRulesPassPromtool
  COMMAND ${_codi_monitoring_check} --check rules)
add_test(NAME Monitoring.AlertRulesUnitTests
  COMMAND ${_codi_monitoring_check} --check unit)
add_test(NAME Monitoring.DashboardQueriesParseAndUseExportedMetrics
  COMMAND ${_codi_monitoring_check} --check dashboard)
add_test(NAME Monitoring.CheckerRejectsBadQueries
  COMMAND ${_codi_monitoring_check} --self-test)

set_tests_properties(
  Monitoring.AlertRulesPassPromtool
  Monitoring.AlertRulesUnitTests
  Monitoring.DashboardQueriesParseAndUseExportedMetrics
  Monitoring.CheckerRejectsBadQueries
  PROPERTIES LABELS monitoring TIMEOUT 180 SKIP_RETURN_CODE 77
             WORKING_DIRECTORY ${_codi_monitoring_repo})
