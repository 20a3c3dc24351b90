#include "common/spec/job_spec_validator.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/base/closest_name.h"
#include "common/base/utf8.h"
#include "common/method/phenomena.h"
#include "common/method/prompt_template.h"
#include "common/spec/job_defaults.h"

namespace codi {
namespace {

using codi::v1::JobSpec;
using codi::v1::Link;
using Problem = std::optional<SpecProblem>;

Problem At(std::string path, std::string message) {
  return SpecProblem{std::move(path), std::move(message)};
}

// Names come from the spec (or a client's binary JobSpec): control characters
// are escaped so that an error stays on one line (found by fuzz_spec_loader).
std::string Quoted(const std::string& name) {
  return absl::StrCat("'", EscapeControlCharacters(name), "'");
}

// " (did you mean 'x'?)" when a candidate is close to `name`, else `otherwise`.
std::string Suggestion(const std::string& name, const std::vector<std::string>& candidates,
                       const std::string& otherwise = "") {
  if (auto best = ClosestName(name, candidates)) {
    return absl::StrCat(" (did you mean ", Quoted(*best), "?)");
  }
  return otherwise;
}

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

bool IsRoleName(const std::string& name) {
  if (name.empty() || !absl::ascii_isupper(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isupper(static_cast<unsigned char>(c)) ||
           absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

// Map keys in a fixed order, so the "first" problem does not depend on the
// map's iteration order.
template <typename Map>
std::vector<std::string> SortedKeys(const Map& map) {
  std::vector<std::string> keys;
  keys.reserve(map.size());
  for (const auto& [key, value] : map) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  return keys;
}

// Checks a transition or start weight.
Problem CheckWeight(const std::string& path, double weight) {
  if (!std::isfinite(weight)) return At(path, absl::StrCat("weight ", weight, " is not finite"));
  if (weight < 0) return At(path, absl::StrCat("weight ", weight, " is negative"));
  return std::nullopt;
}

Problem CheckName(const JobSpec& spec) {
  const std::string& name = spec.name();
  if (name.empty()) return At("name", "the job has no name");
  if (name.size() > kMaxJobNameLength || !std::all_of(name.begin(), name.end(), IsNameChar)) {
    return At("name", absl::StrCat("job name ", Quoted(name),
                                   " must be 1 to 128 letters, digits, '.', '_' or '-'"));
  }
  return std::nullopt;
}

Problem CheckRoles(const JobSpec& spec) {
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < spec.roles_size(); ++i) {
    const auto& role = spec.roles(i);
    const std::string path = absl::StrCat("roles[", i, "]");
    if (!IsRoleName(role.name())) {
      return At(path + ".name",
                absl::StrCat("role name ", Quoted(role.name()),
                             " must be upper case: a letter, then letters, digits or '_'"));
    }
    if (!seen.insert(role.name()).second) {
      return At(path + ".name", absl::StrCat("role ", role.name(), " is declared twice"));
    }
    if (!std::isfinite(role.weight()) || role.weight() < 0) {
      return At(path + ".weight",
                absl::StrCat("weight ", role.weight(), " must be a finite number >= 0"));
    }
  }
  return std::nullopt;
}

Problem CheckPhenomenaMap(const JobSpec& spec) {
  for (const std::string& name : SortedKeys(spec.phenomena())) {
    if (name.empty()) return At("phenomena", "a phenomenon has an empty name");
    if (spec.phenomena().at(name).instruction().empty()) {
      return At(absl::StrCat("phenomena.", name, ".instruction"),
                "the phenomenon has no instruction");
    }
  }
  return std::nullopt;
}

Problem CheckSeedPools(const JobSpec& spec) {
  for (const std::string& name : SortedKeys(spec.seed_pools())) {
    if (name.empty()) return At("seed_pools", "a seed pool has an empty name");
    const auto& pool = spec.seed_pools().at(name);
    if (pool.items().empty() && pool.document_field().empty()) {
      return At(absl::StrCat("seed_pools.", name),
                "the pool has neither items nor a document_field");
    }
  }
  return std::nullopt;
}

Problem CheckTemplate(const std::string& path, const std::string& text,
                      const std::vector<std::string>& allowed) {
  auto parsed = PromptTemplate::Parse(text, allowed);
  if (!parsed.ok()) return At(path, std::string(parsed.status().message()));
  return std::nullopt;
}

// A link instruction may not place the document or the history itself; say why
// rather than only "unknown placeholder".
Problem CheckInstruction(const std::string& path, const std::string& text) {
  auto parsed = PromptTemplate::Parse(text, LinkInstructionPlaceholders());
  if (parsed.ok()) return std::nullopt;
  const absl::string_view error = parsed.status().message();
  if (absl::StartsWith(error, "unknown placeholder {document} ")) {
    return At(path,
              "{document} is not allowed in a link instruction: the document is placed in the "
              "stable prompt prefix");
  }
  if (absl::StartsWith(error, "unknown placeholder {history} ")) {
    return At(path,
              "{history} is not allowed in a link instruction: the conversation so far is placed "
              "by the prompt layout, before the instruction");
  }
  return At(path, std::string(error));
}

Problem CheckLinkNames(const JobSpec& spec) {
  absl::flat_hash_map<std::string, int> first;
  for (int i = 0; i < spec.graph().links_size(); ++i) {
    const std::string& name = spec.graph().links(i).name();
    const std::string path = absl::StrCat("graph.links[", i, "].name");
    if (name.empty()) return At(path, "the link has no name");
    if (!std::all_of(name.begin(), name.end(), IsNameChar)) {
      return At(path, absl::StrCat("link name ", Quoted(name),
                                   " may contain only letters, digits, '_', '.' and '-'"));
    }
    if (auto [it, inserted] = first.emplace(name, i); !inserted) {
      return At(path, absl::StrCat("duplicate link name ", Quoted(name), " (first at graph.links[",
                                   it->second, "])"));
    }
  }
  return std::nullopt;
}

Problem CheckLink(const JobSpec& spec, int index, const std::vector<std::string>& link_names,
                  const std::vector<std::string>& declared_roles) {
  const Link& link = spec.graph().links(index);
  const std::string path = absl::StrCat("graph.links[", index, "]");
  if (link.role().empty()) {
    return At(path + ".role", "the link has no role (USER, AGENT or a role declared under roles)");
  }
  if (link.role() == "CONTEXT") {
    return At(path + ".role", "role CONTEXT is reserved for the document");
  }
  if (std::find(declared_roles.begin(), declared_roles.end(), link.role()) ==
      declared_roles.end()) {
    return At(path + ".role",
              absl::StrCat("role ", Quoted(link.role()), " is not declared",
                           Suggestion(link.role(), declared_roles, " (declare it under roles)")));
  }
  if (auto p = CheckInstruction(path + ".instruction", link.instruction())) return p;

  if (!link.seed_pool().empty() && !spec.seed_pools().contains(link.seed_pool())) {
    return At(path + ".seed_pool",
              absl::StrCat("unknown seed pool ", Quoted(link.seed_pool()),
                           Suggestion(link.seed_pool(), SortedKeys(spec.seed_pools()),
                                      " (declare it under seed_pools)")));
  }

  std::vector<std::string> known_phenomena = SortedKeys(spec.phenomena());
  for (const std::string& name : SortedKeys(BuiltinPhenomena())) {
    if (!spec.phenomena().contains(name)) known_phenomena.push_back(name);
  }
  absl::flat_hash_set<std::string> listed;
  for (int j = 0; j < link.phenomena_size(); ++j) {
    const auto& choice = link.phenomena(j);
    const std::string choice_path = absl::StrCat(path, ".phenomena[", j, "]");
    if (choice.name().empty()) return At(choice_path + ".name", "the phenomenon has no name");
    if (!spec.phenomena().contains(choice.name()) && !BuiltinPhenomena().contains(choice.name())) {
      return At(choice_path + ".name", absl::StrCat("unknown phenomenon ", Quoted(choice.name()),
                                                    Suggestion(choice.name(), known_phenomena,
                                                               " (declare it under phenomena)")));
    }
    if (!listed.insert(choice.name()).second) {
      return At(choice_path + ".name",
                absl::StrCat("phenomenon ", Quoted(choice.name()), " is listed twice"));
    }
    const double p = choice.probability();
    if (!(p >= 0 && p <= 1)) {
      return At(choice_path + ".probability", absl::StrCat("probability ", p, " is not in [0, 1]"));
    }
  }

  for (const std::string& target : SortedKeys(link.next())) {
    const std::string next_path = absl::StrCat(path, ".next.", target);
    if (std::find(link_names.begin(), link_names.end(), target) == link_names.end()) {
      return At(next_path, absl::StrCat("transition to unknown link ", Quoted(target),
                                        Suggestion(target, link_names)));
    }
    if (auto p = CheckWeight(next_path, link.next().at(target))) return p;
  }
  return std::nullopt;
}

Problem CheckStart(const JobSpec& spec, const std::vector<std::string>& link_names) {
  const auto& start = spec.graph().start();
  if (start.empty()) return At("graph.start", "no start link (give a link a positive weight)");
  double sum = 0;
  for (const std::string& name : SortedKeys(start)) {
    const std::string path = absl::StrCat("graph.start.", name);
    if (std::find(link_names.begin(), link_names.end(), name) == link_names.end()) {
      return At(path,
                absl::StrCat("start at unknown link ", Quoted(name), Suggestion(name, link_names)));
    }
    if (auto p = CheckWeight(path, start.at(name))) return p;
    sum += start.at(name);
  }
  if (!(sum > 0)) return At("graph.start", "weights are all zero");
  return std::nullopt;
}

Problem CheckLength(const JobSpec& spec) {
  const auto& length = spec.graph().length();
  const bool has_range = length.min() != 0 || length.max() != 0;
  if (length.n() != 0 && has_range) {
    return At("graph.length", "give either n or min and max, not both");
  }
  if (length.n() == 0 && !has_range) {
    return At("graph.length", "length is zero (set n >= 1, or min >= 1 and max >= min)");
  }
  if (length.n() > kMaxConversationLength) {
    return At("graph.length.n",
              absl::StrCat("n ", length.n(), " is over the limit of ", kMaxConversationLength));
  }
  if (length.n() != 0) return std::nullopt;
  if (length.min() == 0) return At("graph.length.min", "min must be at least 1");
  if (length.max() < length.min()) {
    return At("graph.length.max",
              absl::StrCat("max ", length.max(), " is less than min ", length.min()));
  }
  if (length.max() > kMaxConversationLength) {
    return At("graph.length.max",
              absl::StrCat("max ", length.max(), " is over the limit of ", kMaxConversationLength));
  }
  return std::nullopt;
}

// Every link that a path can visit at a position before the last possible one
// needs somewhere to go next. Assumes names, transitions, start and length are
// valid.
Problem CheckDeadEnds(const JobSpec& spec) {
  const auto& links = spec.graph().links();
  const int count = links.size();
  absl::flat_hash_map<std::string, int> index;
  for (int i = 0; i < count; ++i) index[links[i].name()] = i;
  std::vector<std::vector<int>> successors(count);
  for (int i = 0; i < count; ++i) {
    for (const auto& [target, weight] : links[i].next()) {
      if (weight > 0) successors[i].push_back(index.at(target));
    }
  }
  const auto& length = spec.graph().length();
  const uint32_t longest = length.n() != 0 ? length.n() : length.max();

  std::vector<bool> at_position(count, false);  // reachable at the current position
  for (const auto& [name, weight] : spec.graph().start()) {
    if (weight > 0) at_position[index.at(name)] = true;
  }
  std::vector<bool> before_last(count, false);  // reachable at some position < longest
  for (uint32_t position = 1; position < longest; ++position) {
    std::vector<bool> next(count, false);
    for (int i = 0; i < count; ++i) {
      if (!at_position[i]) continue;
      before_last[i] = true;
      for (int j : successors[i]) next[j] = true;
    }
    // Each position's set follows from the one before, so once a set repeats
    // at the next position no later position adds anything.
    if (next == at_position) break;
    at_position = std::move(next);
  }
  for (int i = 0; i < count; ++i) {
    if (before_last[i] && successors[i].empty()) {
      return At(absl::StrCat("graph.links[", i, "].next"),
                absl::StrCat("link ", Quoted(links[i].name()),
                             " can be reached before the end of a conversation but has no "
                             "outgoing transitions"));
    }
  }
  return std::nullopt;
}

Problem CheckGraph(const JobSpec& spec) {
  if (spec.graph().links().empty()) return At("graph.links", "the graph has no links");
  if (auto p = CheckLinkNames(spec)) return p;
  std::vector<std::string> link_names;
  for (const auto& link : spec.graph().links()) link_names.push_back(link.name());
  std::vector<std::string> declared_roles = {"USER", "AGENT"};
  for (const auto& role : spec.roles()) {
    if (role.name() != "USER" && role.name() != "AGENT") declared_roles.push_back(role.name());
  }
  for (int i = 0; i < spec.graph().links_size(); ++i) {
    if (auto p = CheckLink(spec, i, link_names, declared_roles)) return p;
  }
  if (auto p = CheckStart(spec, link_names)) return p;
  if (auto p = CheckLength(spec)) return p;
  return CheckDeadEnds(spec);
}

// An OpenAI-compatible base URL: http(s)://host[:port][/path].
bool IsHttpUrlWithHost(absl::string_view url) {
  absl::string_view rest;
  if (absl::StartsWithIgnoreCase(url, "http://")) {
    rest = url.substr(7);
  } else if (absl::StartsWithIgnoreCase(url, "https://")) {
    rest = url.substr(8);
  } else {
    return false;
  }
  if (std::any_of(url.begin(), url.end(), [](char c) {
        return absl::ascii_isspace(static_cast<unsigned char>(c)) ||
               absl::ascii_iscntrl(static_cast<unsigned char>(c));
      })) {
    return false;
  }
  absl::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != absl::string_view::npos) return false;
  absl::string_view host = authority, port;
  if (absl::StartsWith(authority, "[")) {  // IPv6 literal
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos || close == 1) return false;
    host = authority.substr(0, close + 1);
    absl::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return false;
      port = after.substr(1);
      if (port.empty()) return false;
    }
  } else if (const size_t colon = authority.find(':'); colon != absl::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return false;
  }
  if (host.empty()) return false;
  if (!port.empty()) {
    uint32_t number = 0;
    if (!std::all_of(port.begin(), port.end(),
                     [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); }) ||
        !absl::SimpleAtoi(port, &number) || number == 0 || number > 65535) {
      return false;
    }
  }
  return true;
}

Problem CheckTeacher(const JobSpec& spec) {
  const auto& teacher = spec.teacher();
  for (int i = 0; i < teacher.endpoints_size(); ++i) {
    if (!IsHttpUrlWithHost(teacher.endpoints(i))) {
      return At(absl::StrCat("teacher.endpoints[", i, "]"),
                absl::StrCat(Quoted(teacher.endpoints(i)),
                             " is not an http(s) URL with a host, such as "
                             "http://127.0.0.1:8000/v1"));
    }
  }
  if (teacher.has_temperature()) {
    const double t = teacher.temperature();
    if (!(t >= 0 && t <= 2)) {
      return At("teacher.temperature", absl::StrCat("temperature ", t, " is not in [0, 2]"));
    }
  }
  if (teacher.has_top_p()) {
    const double p = teacher.top_p();
    if (!(p > 0 && p <= 1)) {
      return At("teacher.top_p", absl::StrCat("top_p ", p, " is not in (0, 1]"));
    }
  }
  if (teacher.max_attempts() > kMaxTeacherAttempts) {
    return At("teacher.max_attempts", absl::StrCat("max_attempts ", teacher.max_attempts(),
                                                   " is over the limit of ", kMaxTeacherAttempts));
  }
  return std::nullopt;
}

Problem CheckValidation(const JobSpec& spec) {
  const auto& validation = spec.validation();
  // Compare the values in effect, so that a min_chars above the default
  // max_chars is caught too.
  const uint32_t min_chars =
      validation.min_chars() != 0 ? validation.min_chars() : job_defaults::kMinChars;
  const uint32_t max_chars =
      validation.max_chars() != 0 ? validation.max_chars() : job_defaults::kMaxChars;
  if (min_chars > max_chars) {
    return At(
        "validation.min_chars",
        absl::StrCat("min_chars ", min_chars, " is greater than ",
                     validation.max_chars() != 0 ? "" : "the default ", "max_chars ", max_chars));
  }
  return std::nullopt;
}

// The roles a job declares: the built-in CONTEXT, USER and AGENT, then the
// listed ones.
std::vector<std::string> DeclaredRoles(const JobSpec& spec) {
  std::vector<std::string> roles = {"CONTEXT", "USER", "AGENT"};
  for (const auto& role : spec.roles()) {
    if (std::find(roles.begin(), roles.end(), role.name()) == roles.end()) {
      roles.push_back(role.name());
    }
  }
  return roles;
}

// A licence id goes into the dataset card's YAML front matter as it is, so
// it is kept to the characters of SPDX and Hugging Face ids.
bool IsLicenseId(const std::string& license) {
  return !license.empty() && license.size() <= kMaxLicenseLength &&
         std::all_of(license.begin(), license.end(), [](char c) {
           return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
                  c == '_' || c == '+';
         });
}

Problem CheckOutput(const JobSpec& spec) {
  const auto& output = spec.output();
  if (output.shards() > kMaxOutputShards) {
    return At("output.shards",
              absl::StrCat("shards ", output.shards(), " is over the limit of ", kMaxOutputShards));
  }
  const std::vector<std::string> declared = DeclaredRoles(spec);
  for (const std::string& role : SortedKeys(output.chat_roles())) {
    const std::string path = absl::StrCat("output.chat_roles.", role);
    if (std::find(declared.begin(), declared.end(), role) == declared.end()) {
      return At(path, absl::StrCat("role ", Quoted(role), " is not declared",
                                   Suggestion(role, declared, " (declare it under roles)")));
    }
    const std::string& chat_role = output.chat_roles().at(role);
    if (chat_role != "system" && chat_role != "user" && chat_role != "assistant") {
      return At(path,
                absl::StrCat("chat role ", Quoted(chat_role), " must be system, user or assistant",
                             Suggestion(chat_role, {"system", "user", "assistant"})));
    }
  }
  if (!output.license().empty() && !IsLicenseId(output.license())) {
    return At("output.license",
              absl::StrCat("licence ", Quoted(output.license()),
                           " must be an id of at most 64 letters, digits, '.', '-', '_' or '+', "
                           "such as cc-by-sa-4.0"));
  }
  return std::nullopt;
}

}  // namespace

const std::vector<std::string>& SystemPromptPlaceholders() {
  static const auto* const kNames = new std::vector<std::string>{"title", "document", "doc_id"};
  return *kNames;
}

const std::vector<std::string>& LinkInstructionPlaceholders() {
  static const auto* const kNames =
      new std::vector<std::string>{"role", "title", "doc_id", "seed", "phenomena"};
  return *kNames;
}

std::optional<SpecProblem> FindSpecProblem(const JobSpec& spec) {
  if (auto p = CheckName(spec)) return p;
  if (spec.samples_per_document() > kMaxSamplesPerDocument) {
    return At("samples_per_document",
              absl::StrCat("samples_per_document ", spec.samples_per_document(),
                           " is over the limit of ", kMaxSamplesPerDocument));
  }
  if (auto p = CheckRoles(spec)) return p;
  if (auto p = CheckPhenomenaMap(spec)) return p;
  if (auto p = CheckSeedPools(spec)) return p;
  if (auto p = CheckGraph(spec)) return p;
  if (auto p = CheckTemplate("prompt.system", spec.prompt().system(), SystemPromptPlaceholders())) {
    return p;
  }
  if (auto p = CheckTeacher(spec)) return p;
  if (auto p = CheckValidation(spec)) return p;
  return CheckOutput(spec);
}

absl::Status ValidateJobSpec(const JobSpec& spec) {
  if (auto problem = FindSpecProblem(spec)) {
    return absl::InvalidArgumentError(absl::StrCat(problem->path, ": ", problem->message));
  }
  return absl::OkStatus();
}

absl::Status CheckChatRolesCoverRoles(const JobSpec& spec) {
  const std::map<std::string, std::string> chat_roles = ChatRoles(spec);
  for (const std::string& role : DeclaredRoles(spec)) {
    if (!chat_roles.contains(role)) {
      return absl::InvalidArgumentError(
          absl::StrCat("output.chat_roles: role ", role,
                       " has no chat role; map it to system, user or assistant to export "
                       "the chat format (output: {chat_roles: {",
                       role, ": assistant}})"));
    }
  }
  return absl::OkStatus();
}

}  // namespace codi
