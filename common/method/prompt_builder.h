// Builds the teacher prompt for one turn, laid out for prefix caching:
//
//   system:  preamble + title + document            (stable per document)
//   user:    history header + one line per turn     (grows by appending)
//            instruction header + the link's task   (the short tail)
//
// The turn-k prompt's stable part (everything before the tail) is a byte
// prefix of the turn-(k+1) prompt, so vLLM's automatic prefix caching reuses
// the KV cache of the document and the history across a conversation's turns
// and across the samples of one document.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "codi/v1/conversation.pb.h"
#include "codi/v1/job.pb.h"
#include "common/method/prompt_template.h"
#include "common/teacher/teacher_client.h"

namespace codi {

// What a turn asks for beyond its link: drawn deterministically from
// (job seed, document, sample, turn index), so a resumed turn asks the same.
struct TurnPlan {
  std::string link;
  std::string role;
  std::string seed_item;               // empty when the link has no pool
  std::vector<std::string> phenomena;  // names, in the link's order
};

struct Prompt {
  std::vector<ChatMessage> messages;
  // Bytes of Flatten() that the next turn's prompt repeats exactly.
  size_t stable_bytes = 0;
  // The messages as one string ("<role>\n<content>\n" each); what the prefix
  // property is stated on.
  std::string Flatten() const;
};

class PromptBuilder {
 public:
  // `spec` must be validated and have defaults applied (WithDefaults).
  static absl::StatusOr<PromptBuilder> Create(const codi::v1::JobSpec& spec);

  TurnPlan PlanTurn(const codi::v1::Document& doc, uint32_t sample, uint32_t turn_index,
                    const std::string& link) const;

  // `history` holds the generated turns so far (no CONTEXT turn).
  Prompt Build(const codi::v1::Document& doc, const std::vector<codi::v1::Turn>& history,
               const TurnPlan& plan) const;

 private:
  struct LinkInfo {
    std::string role;
    PromptTemplate instruction;
    std::string seed_pool;
    std::vector<std::pair<std::string, double>> phenomena;
  };
  PromptBuilder() = default;

  uint64_t seed_ = 0;
  PromptTemplate system_;
  std::string history_header_, instruction_header_;
  std::vector<std::pair<std::string, LinkInfo>> links_;
  google::protobuf::Map<std::string, codi::v1::SeedPool> pools_;
  google::protobuf::Map<std::string, codi::v1::Phenomenon> phenomena_;

  const LinkInfo* FindLink(const std::string& name) const;
};

}  // namespace codi
