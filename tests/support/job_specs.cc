#include "tests/support/job_specs.h"

namespace codi::testing {

codi::v1::Link* AddLink(codi::v1::JobSpec* spec, const std::string& name, const std::string& role,
                        const std::vector<std::pair<std::string, double>>& next) {
  codi::v1::Link* link = spec->mutable_graph()->add_links();
  link->set_name(name);
  link->set_role(role);
  for (const auto& [target, weight] : next) (*link->mutable_next())[target] = weight;
  return link;
}

codi::v1::JobSpec AskAnswerJob(const std::string& name, uint32_t length) {
  codi::v1::JobSpec spec;
  spec.set_name(name);
  AddLink(&spec, "ask", "USER", {{"answer", 1}});
  AddLink(&spec, "answer", "AGENT", {{"ask", 1}});
  (*spec.mutable_graph()->mutable_start())["ask"] = 1;
  spec.mutable_graph()->mutable_length()->set_n(length);
  return spec;
}

}  // namespace codi::testing
