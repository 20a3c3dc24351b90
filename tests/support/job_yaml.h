// Job files for the tests that run the real binaries: one conversation graph
// starting at link "ask", with what each test varies as fields.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace codi::testing {

// ask (USER) -> answer (AGENT) -> ask, as `JobFile::links` items.
inline constexpr char kAskAnswerLinks[] =
    "    - {name: ask, role: USER, instruction: Ask a short factual question., next: {answer: 1}}\n"
    "    - {name: answer, role: AGENT, instruction: Answer with a span of the document., "
    "next: {ask: 1}}\n";

struct JobFile {
  std::string name = "test";
  uint64_t seed = 1;
  std::string documents;  // documents.path
  uint64_t limit = 0;     // documents.limit; 0: every document
  uint32_t samples = 1;   // samples_per_document
  uint32_t length = 4;    // graph.length.n
  // graph.links: YAML sequence items indented by four spaces, one of them "ask".
  std::string links = kAskAnswerLinks;
  std::string endpoint = "http://127.0.0.1:9/v1";  // teacher.endpoints[0]
  std::vector<std::string> teacher;                // more teacher settings, "key: value"
};

// The job file's YAML text.
std::string JobYaml(const JobFile& job);

}  // namespace codi::testing
