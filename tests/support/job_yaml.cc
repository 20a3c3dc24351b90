#include "tests/support/job_yaml.h"

#include "absl/strings/str_cat.h"

namespace codi::testing {

std::string JobYaml(const JobFile& job) {
  std::string yaml = absl::StrCat("name: ", job.name, "\nseed: ", job.seed,
                                  "\ndocuments:\n  path: ", job.documents, "\n");
  if (job.limit > 0) absl::StrAppend(&yaml, "  limit: ", job.limit, "\n");
  absl::StrAppend(&yaml, "samples_per_document: ", job.samples,
                  "\ngraph:\n  start: {ask: 1}\n  length: {n: ", job.length, "}\n  links:\n",
                  job.links, "teacher:\n  endpoints: [\"", job.endpoint, "\"]\n");
  for (const std::string& setting : job.teacher) absl::StrAppend(&yaml, "  ", setting, "\n");
  return yaml;
}

}  // namespace codi::testing
