#include "common/method/prompt_builder.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/base/deterministic_rng.h"

namespace codi {
namespace {

const std::vector<std::string>& SystemPlaceholders() {
  static const auto* names = new std::vector<std::string>{"title", "document", "doc_id"};
  return *names;
}
const std::vector<std::string>& InstructionPlaceholders() {
  static const auto* names =
      new std::vector<std::string>{"role", "title", "doc_id", "seed", "phenomena"};
  return *names;
}

}  // namespace

std::string Prompt::Flatten() const {
  std::string out;
  for (const auto& m : messages) absl::StrAppend(&out, m.role, "\n", m.content, "\n");
  return out;
}

absl::StatusOr<PromptBuilder> PromptBuilder::Create(const codi::v1::JobSpec& spec) {
  PromptBuilder b;
  b.seed_ = spec.seed();
  auto system = PromptTemplate::Parse(spec.prompt().system(), SystemPlaceholders());
  if (!system.ok())
    return absl::InvalidArgumentError(absl::StrCat("prompt.system: ", system.status().message()));
  b.system_ = *std::move(system);
  b.history_header_ = spec.prompt().history_header();
  b.instruction_header_ = spec.prompt().instruction_header();
  for (int i = 0; i < spec.graph().links_size(); ++i) {
    const auto& link = spec.graph().links(i);
    auto instruction = PromptTemplate::Parse(link.instruction(), InstructionPlaceholders());
    if (!instruction.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("graph.links[", i, "].instruction: ", instruction.status().message()));
    }
    LinkInfo info{link.role(), *std::move(instruction), link.seed_pool(), {}};
    for (const auto& p : link.phenomena()) info.phenomena.emplace_back(p.name(), p.probability());
    b.links_.emplace_back(link.name(), std::move(info));
  }
  b.pools_ = spec.seed_pools();
  b.phenomena_ = spec.phenomena();
  return b;
}

const PromptBuilder::LinkInfo* PromptBuilder::FindLink(const std::string& name) const {
  for (const auto& [n, info] : links_) {
    if (n == name) return &info;
  }
  return nullptr;
}

TurnPlan PromptBuilder::PlanTurn(const codi::v1::Document& doc, uint32_t sample,
                                 uint32_t turn_index, const std::string& link) const {
  TurnPlan plan;
  plan.link = link;
  const LinkInfo* info = FindLink(link);
  if (info == nullptr) return plan;  // the executor reports an unknown link as a failure
  plan.role = info->role;
  DeterministicRng rng =
      DeterministicRng::ForKey(seed_, doc.id(), sample, absl::StrCat("turn/", turn_index));
  if (!info->seed_pool.empty()) {
    auto pool = pools_.find(info->seed_pool);
    if (pool != pools_.end()) {
      const google::protobuf::RepeatedPtrField<std::string>* items = &pool->second.items();
      if (!pool->second.document_field().empty()) {
        auto own = doc.seeds().find(pool->second.document_field());
        if (own != doc.seeds().end() && own->second.items_size() > 0) items = &own->second.items();
      }
      if (!items->empty()) plan.seed_item = (*items)[static_cast<int>(rng.Below(items->size()))];
    }
  }
  for (const auto& [name, probability] : info->phenomena) {
    // Always draw, so one phenomenon's probability does not shift the others'.
    if (rng.Uniform() < probability) plan.phenomena.push_back(name);
  }
  return plan;
}

Prompt PromptBuilder::Build(const codi::v1::Document& doc,
                            const std::vector<codi::v1::Turn>& history,
                            const TurnPlan& plan) const {
  Prompt prompt;
  std::string system =
      system_.Render({{"title", doc.title()}, {"document", doc.text()}, {"doc_id", doc.id()}});

  std::string user = absl::StrCat(history_header_, "\n");
  if (history.empty()) {
    user += "(no turns yet)\n";
  }
  for (const auto& turn : history)
    absl::StrAppend(&user, "[", turn.role(), "] ", turn.text(), "\n");
  // Everything up to here is repeated verbatim by the next turn's prompt,
  // except the "(no turns yet)" line, which only the first turn has.
  const size_t stable_user = history.empty() ? history_header_.size() + 1 : user.size();

  std::vector<std::string> phenomena_lines;
  for (const auto& name : plan.phenomena) {
    auto it = phenomena_.find(name);
    phenomena_lines.push_back(
        absl::StrCat(name, ": ", it == phenomena_.end() ? "" : it->second.instruction()));
  }
  std::string phenomena_text = absl::StrJoin(phenomena_lines, "; ");
  std::string instruction = "";
  if (const LinkInfo* info = FindLink(plan.link)) {
    instruction = info->instruction.Render({{"role", plan.role},
                                            {"title", doc.title()},
                                            {"doc_id", doc.id()},
                                            {"seed", plan.seed_item},
                                            {"phenomena", phenomena_text}});
  }
  absl::StrAppend(&user, "\n", instruction_header_, "\n",
                  "Write the next turn of the conversation as ", plan.role, ".\n");
  if (!instruction.empty()) absl::StrAppend(&user, instruction, "\n");
  if (!plan.seed_item.empty()) {
    absl::StrAppend(&user, "Example of the kind of turn wanted: ", plan.seed_item, "\n");
  }
  if (!phenomena_text.empty()) {
    absl::StrAppend(&user, "Use these linguistic phenomena: ", phenomena_text, "\n");
  }
  absl::StrAppend(&user, "Reply with the text of the turn only.");

  prompt.messages.push_back({"system", std::move(system)});
  // Flatten() = "system\n" + system + "\n" + "user\n" + user + "\n".
  prompt.stable_bytes = 7 + prompt.messages[0].content.size() + 1 + 5 + stable_user;
  prompt.messages.push_back({"user", std::move(user)});
  return prompt;
}

}  // namespace codi
