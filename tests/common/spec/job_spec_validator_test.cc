#include "common/spec/job_spec_validator.h"

#include <string>

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace codi {
namespace {

using codi::v1::JobSpec;

// A valid two-link job; tests append text-format fields to change it.
constexpr char kBase[] = R"pb(
  name: "demo"
  graph {
    links {
      name: "ask"
      role: "USER"
      instruction: "Ask about {title}."
      next { key: "answer" value: 1 }
    }
    links {
      name: "answer"
      role: "AGENT"
      instruction: "Answer."
      next { key: "ask" value: 1 }
    }
    start { key: "ask" value: 1 }
  }
)pb";

JobSpec Spec(const std::string& text_format) {
  JobSpec spec;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text_format, &spec)) << text_format;
  return spec;
}

// `base` with `extra` merged in (repeated fields append, scalars replace).
JobSpec Merged(const std::string& base, const std::string& extra) {
  JobSpec spec = Spec(base);
  spec.MergeFrom(Spec(extra));
  return spec;
}

JobSpec BaseWith(const std::string& extra) { return Merged(kBase, extra); }

std::string Problem(const JobSpec& spec) {
  absl::Status status = ValidateJobSpec(spec);
  if (status.ok()) return "OK";
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  return std::string(status.message());
}

TEST(ValidateJobSpec, AcceptsAValidSpec) {
  EXPECT_EQ(Problem(BaseWith("graph { length { n: 4 } }")), "OK");
  EXPECT_EQ(Problem(BaseWith("graph { length { min: 1 max: 1000 } }")), "OK");
}

TEST(ValidateJobSpec, ReportsThePathAndTheProblemOfTheFirstFinding) {
  auto problem = FindSpecProblem(BaseWith("graph { length { n: 0 } } output { shards: 5000 }"));
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->path, "graph.length");
  EXPECT_EQ(problem->message, "length is zero (set n >= 1, or min >= 1 and max >= min)");
  EXPECT_FALSE(FindSpecProblem(BaseWith("graph { length { n: 2 } }")).has_value());
}

// A binary JobSpec from a client can carry any bytes in a name; the error that
// quotes it stays on one line (a finding of fuzz_spec_loader).
TEST(ValidateJobSpec, QuotesANameWithControlCharactersOnOneLine) {
  JobSpec spec = BaseWith("");
  spec.set_name("l\n\"x\"");
  const std::string problem = Problem(spec);
  EXPECT_EQ(problem.find('\n'), std::string::npos) << problem;
  EXPECT_NE(problem.find("job name 'l\\n\"x\"'"), std::string::npos) << problem;
}

TEST(ValidateJobSpec, AllowsADeadEndThatOnlyEndsConversations) {
  // answer has no `next`, but with n = 2 it is only ever the last turn.
  const char* spec = R"pb(
    name: "qa"
    graph {
      links {
        name: "ask"
        role: "USER"
        next { key: "answer" value: 1 }
      }
      links { name: "answer" role: "AGENT" }
      start { key: "ask" value: 1 }
      length { n: 2 }
    })pb";
  EXPECT_EQ(Problem(Spec(spec)), "OK");
}

TEST(ValidateJobSpec, RejectsADeadEndReachableBeforeTheLastPosition) {
  const char* spec = R"pb(
    name: "qa"
    graph {
      links {
        name: "ask"
        role: "USER"
        next { key: "answer" value: 1 }
      }
      links { name: "answer" role: "AGENT" }
      start { key: "ask" value: 1 }
      length { min: 1 max: 3 }
    })pb";
  EXPECT_EQ(Problem(Spec(spec)),
            "graph.links[1].next: link 'answer' can be reached before the end of a conversation "
            "but has no outgoing transitions");
}

TEST(ValidateJobSpec, ComputesReachabilityPositionByPosition) {
  // a -> b -> c, c a dead end: reachable only at position 3.
  const std::string chain = R"pb(
    name: "chain"
    graph {
      links {
        name: "a"
        role: "USER"
        next { key: "b" value: 1 }
      }
      links {
        name: "b"
        role: "AGENT"
        next { key: "c" value: 1 }
      }
      links { name: "c" role: "USER" }
      start { key: "a" value: 1 }
    })pb";
  EXPECT_EQ(Problem(Merged(chain, "graph { length { n: 3 } }")), "OK");
  EXPECT_EQ(Problem(Merged(chain, "graph { length { n: 4 } }")),
            "graph.links[2].next: link 'c' can be reached before the end of a conversation but "
            "has no outgoing transitions");
}

TEST(ValidateJobSpec, IgnoresDeadEndsThatOnlyZeroWeightsOrNothingLeadTo) {
  const char* spec = R"pb(
    name: "qa"
    graph {
      links {
        name: "ask"
        role: "USER"
        next { key: "answer" value: 1 }
        next { key: "stuck" value: 0 }
      }
      links {
        name: "answer"
        role: "AGENT"
        next { key: "ask" value: 1 }
      }
      links { name: "stuck" role: "AGENT" }
      links {
        name: "orphan"
        role: "USER"
        next { key: "stuck" value: 1 }
      }
      start { key: "ask" value: 1 }
      start { key: "orphan" value: 0 }
      length { n: 50 }
    })pb";
  EXPECT_EQ(Problem(Spec(spec)), "OK");
}

TEST(ValidateJobSpec, RejectsALinkWhoseOutgoingWeightsAreAllZero) {
  EXPECT_EQ(Problem(BaseWith(R"pb(graph {
                                    links {
                                      name: "x"
                                      role: "USER"
                                      next { key: "ask" value: 0 }
                                    }
                                    start { key: "x" value: 1 }
                                    length { n: 3 }
                                  })pb")),
            "graph.links[2].next: link 'x' can be reached before the end of a conversation but "
            "has no outgoing transitions");
}

TEST(ValidateJobSpec, HandlesTheLongestConversationsQuickly) {
  std::string spec = "name: \"ring\" graph { length { n: 1000 } start { key: \"l0\" value: 1 } ";
  for (int i = 0; i < 200; ++i) {
    spec += "links { name: \"l" + std::to_string(i) + "\" role: \"USER\" next { key: \"l" +
            std::to_string((i + 1) % 200) + "\" value: 1 } next { key: \"l" +
            std::to_string((i + 7) % 200) + "\" value: 2 } } ";
  }
  spec += "}";
  EXPECT_EQ(Problem(Spec(spec)), "OK");
}

TEST(ValidateJobSpec, ChecksTheJobName) {
  EXPECT_EQ(Problem(BaseWith("name: 'qa-demo_v1.2' graph { length { n: 2 } }")), "OK");
  JobSpec unnamed = Spec(kBase);
  unnamed.clear_name();
  EXPECT_EQ(Problem(unnamed), "name: the job has no name");
  EXPECT_EQ(Problem(BaseWith("name: 'my job'")),
            "name: job name 'my job' must be 1 to 128 letters, digits, '.', '_' or '-'");
  EXPECT_EQ(Problem(BaseWith("name: '" + std::string(129, 'a') + "'")).substr(0, 20),
            "name: job name 'aaaa");
}

TEST(ValidateJobSpec, ChecksRoles) {
  EXPECT_EQ(Problem(BaseWith(R"pb(roles { name: "TOOL_2" weight: 0.5 }
                                  roles { name: "CONTEXT" weight: 0.1 }
                                  graph {
                                    length { n: 2 }
                                    links {
                                      name: "t"
                                      role: "TOOL_2"
                                      next { key: "ask" value: 1 }
                                    }
                                  })pb")),
            "OK");
  EXPECT_EQ(Problem(BaseWith("roles { name: 'Tool' }")),
            "roles[0].name: role name 'Tool' must be upper case: a letter, then letters, digits "
            "or '_'");
  EXPECT_EQ(Problem(BaseWith("roles { name: 'TOOL' } roles { name: 'TOOL' }")),
            "roles[1].name: role TOOL is declared twice");
  EXPECT_EQ(Problem(BaseWith("roles { name: 'TOOL' weight: -0.5 }")),
            "roles[0].weight: weight -0.5 must be a finite number >= 0");
  EXPECT_EQ(Problem(BaseWith("roles { name: 'TOOL' weight: nan }")),
            "roles[0].weight: weight nan must be a finite number >= 0");
}

TEST(ValidateJobSpec, ChecksTheRoleOfEachLink) {
  EXPECT_EQ(Problem(BaseWith("graph { links { name: 'x' role: 'user' } }")),
            "graph.links[2].role: role 'user' is not declared (did you mean 'USER'?)");
  EXPECT_EQ(Problem(BaseWith("graph { links { name: 'x' role: 'SYSTEM' } }")),
            "graph.links[2].role: role 'SYSTEM' is not declared (declare it under roles)");
  EXPECT_EQ(Problem(BaseWith("graph { links { name: 'x' role: 'CONTEXT' } }")),
            "graph.links[2].role: role CONTEXT is reserved for the document");
  EXPECT_EQ(Problem(BaseWith("graph { links { name: 'x' } }")),
            "graph.links[2].role: the link has no role (USER, AGENT or a role declared under "
            "roles)");
}

TEST(ValidateJobSpec, ChecksLinkNames) {
  EXPECT_EQ(Problem(BaseWith("graph { links { role: 'USER' } }")),
            "graph.links[2].name: the link has no name");
  EXPECT_EQ(Problem(BaseWith("graph { links { name: 'a b' role: 'USER' } }")),
            "graph.links[2].name: link name 'a b' may contain only letters, digits, '_', '.' and "
            "'-'");
  EXPECT_EQ(Problem(BaseWith("graph { links { name: 'answer' role: 'USER' } }")),
            "graph.links[2].name: duplicate link name 'answer' (first at graph.links[1])");
}

TEST(ValidateJobSpec, ChecksTransitionsAndStartWeights) {
  EXPECT_EQ(Problem(BaseWith("graph { start { key: 'ask' value: inf } }")),
            "graph.start.ask: weight inf is not finite");
  EXPECT_EQ(Problem(BaseWith("graph { start { key: 'nowhere' value: 1 } }")),
            "graph.start.nowhere: start at unknown link 'nowhere'");
  JobSpec no_start = BaseWith("graph { length { n: 2 } }");
  no_start.mutable_graph()->clear_start();
  EXPECT_EQ(Problem(no_start), "graph.start: no start link (give a link a positive weight)");
  EXPECT_EQ(Problem(BaseWith(
                "graph { links { name: 'x' role: 'USER' next { key: 'ask' value: nan } } }")),
            "graph.links[2].next.ask: weight nan is not finite");
}

TEST(ValidateJobSpec, ChecksTheLength) {
  EXPECT_EQ(Problem(BaseWith("graph { length { n: 3 min: 1 max: 4 } }")),
            "graph.length: give either n or min and max, not both");
  EXPECT_EQ(Problem(BaseWith("graph { length { n: 1001 } }")),
            "graph.length.n: n 1001 is over the limit of 1000");
  EXPECT_EQ(Problem(BaseWith("graph { length { max: 4 } }")),
            "graph.length.min: min must be at least 1");
  EXPECT_EQ(Problem(BaseWith("graph { length { min: 4 } }")),
            "graph.length.max: max 0 is less than min 4");
  EXPECT_EQ(Problem(BaseWith("graph { length { min: 4 max: 2000 } }")),
            "graph.length.max: max 2000 is over the limit of 1000");
}

TEST(ValidateJobSpec, ChecksPhenomena) {
  EXPECT_EQ(Problem(BaseWith(R"pb(phenomena {
                                    key: "vague"
                                    value { instruction: "Be vague." }
                                  }
                                  phenomena {
                                    key: "coreference"
                                    value { instruction: "Use it." }
                                  }
                                  graph {
                                    length { n: 2 }
                                    links {
                                      name: "x"
                                      role: "USER"
                                      next { key: "ask" value: 1 }
                                      phenomena { name: "vague" probability: 1 }
                                      phenomena { name: "coreference" probability: 0 }
                                      phenomena { name: "ellipsis" probability: 0.5 }
                                    }
                                  })pb")),
            "OK");
  EXPECT_EQ(Problem(BaseWith("phenomena { key: 'vague' value {} } graph { length { n: 2 } }")),
            "phenomena.vague.instruction: the phenomenon has no instruction");
  EXPECT_EQ(Problem(BaseWith("graph { links { name: 'x' role: 'USER' phenomena { name: 'nope' "
                             "probability: 1 } } }")),
            "graph.links[2].phenomena[0].name: unknown phenomenon 'nope' (declare it under "
            "phenomena)");
  EXPECT_EQ(Problem(BaseWith("graph { links { name: 'x' role: 'USER' phenomena { name: 'elipsis' "
                             "probability: 1 } } }")),
            "graph.links[2].phenomena[0].name: unknown phenomenon 'elipsis' (did you mean "
            "'ellipsis'?)");
  EXPECT_EQ(Problem(BaseWith("graph { links { name: 'x' role: 'USER' phenomena { name: 'ellipsis' "
                             "} phenomena { name: 'ellipsis' } } }")),
            "graph.links[2].phenomena[1].name: phenomenon 'ellipsis' is listed twice");
  EXPECT_EQ(Problem(BaseWith("graph { links { name: 'x' role: 'USER' phenomena { name: 'ellipsis' "
                             "probability: -0.1 } } }")),
            "graph.links[2].phenomena[0].probability: probability -0.1 is not in [0, 1]");
}

TEST(ValidateJobSpec, ChecksSeedPools) {
  EXPECT_EQ(Problem(BaseWith(R"pb(seed_pools {
                                    key: "q"
                                    value { items: "Where?" }
                                  }
                                  seed_pools {
                                    key: "imported"
                                    value { document_field: "questions" }
                                  }
                                  graph {
                                    length { n: 2 }
                                    links { name: "x" role: "USER" seed_pool: "imported" }
                                  })pb")),
            "OK");
  EXPECT_EQ(Problem(BaseWith("seed_pools { key: 'q' value {} }")),
            "seed_pools.q: the pool has neither items nor a document_field");
  EXPECT_EQ(Problem(BaseWith("seed_pools { key: 'questions' value { items: 'a' } } graph { links "
                             "{ name: 'x' role: 'USER' seed_pool: 'question' } }")),
            "graph.links[2].seed_pool: unknown seed pool 'question' (did you mean 'questions'?)");
  EXPECT_EQ(Problem(BaseWith("graph { links { name: 'x' role: 'USER' seed_pool: 'q' } }")),
            "graph.links[2].seed_pool: unknown seed pool 'q' (declare it under seed_pools)");
}

TEST(ValidateJobSpec, ChecksTemplates) {
  EXPECT_EQ(Problem(BaseWith("graph { length { n: 2 } links { name: 'x' role: 'USER' instruction: "
                             "'{role} {title} {doc_id} {seed} {phenomena} {{json}}' } } prompt { "
                             "system: '{doc_id} {title} {document}' }")),
            "OK");
  EXPECT_EQ(Problem(BaseWith("graph { length { n: 2 } } prompt { system: 'Doc: {documnet}' }")),
            "prompt.system: unknown placeholder {documnet} (allowed: {title}, {document}, "
            "{doc_id})");
  EXPECT_EQ(Problem(BaseWith("graph { links { name: 'x' role: 'USER' instruction: 'Use {seed' } "
                             "}")),
            "graph.links[2].instruction: unclosed '{' at offset 4; write {{ for a literal brace");
  EXPECT_EQ(Problem(BaseWith("graph { links { name: 'x' role: 'USER' instruction: 'So far: "
                             "{history}' } }")),
            "graph.links[2].instruction: {history} is not allowed in a link instruction: the "
            "conversation so far is placed by the prompt layout, before the instruction");
  // The first bad placeholder in the text is the one reported.
  EXPECT_EQ(Problem(BaseWith("graph { links { name: 'x' role: 'USER' instruction: '{document} "
                             "{x}' } }")),
            "graph.links[2].instruction: {document} is not allowed in a link instruction: the "
            "document is placed in the stable prompt prefix");
  EXPECT_EQ(Problem(BaseWith("graph { links { name: 'x' role: 'USER' instruction: '{x} "
                             "{document}' } }")),
            "graph.links[2].instruction: unknown placeholder {x} (allowed: {role}, {title}, "
            "{doc_id}, {seed}, {phenomena})");
}

TEST(ValidateJobSpec, AcceptsHttpEndpointsWithAHost) {
  for (const char* url : {"http://127.0.0.1:8000/v1", "https://teacher.example.com/v1",
                          "HTTP://host", "http://[::1]:8000/v1", "http://host:1/v1?x=1"}) {
    JobSpec spec = BaseWith("graph { length { n: 2 } }");
    spec.mutable_teacher()->add_endpoints(url);
    EXPECT_EQ(Problem(spec), "OK") << url;
  }
}

TEST(ValidateJobSpec, RejectsEndpointsThatAreNotHttpUrlsWithAHost) {
  for (const char* url :
       {"127.0.0.1:8000", "ftp://host/v1", "http://", "http:///v1", "http://:8000/v1",
        "http://host:/v1", "http://host:99999/v1", "http://host:8o/v1", "http://ho st/v1",
        "http://user@host/v1", "http://[::1/v1", ""}) {
    JobSpec spec = BaseWith("graph { length { n: 2 } }");
    spec.mutable_teacher()->add_endpoints(url);
    EXPECT_EQ(Problem(spec), "teacher.endpoints[0]: '" + std::string(url) +
                                 "' is not an http(s) URL with a host, such as "
                                 "http://127.0.0.1:8000/v1")
        << url;
  }
}

TEST(ValidateJobSpec, ChecksTeacherSamplingAndRetries) {
  const std::string base = "graph { length { n: 2 } } ";
  EXPECT_EQ(Problem(BaseWith(base + "teacher { temperature: 0 top_p: 1 max_attempts: 20 }")), "OK");
  EXPECT_EQ(Problem(BaseWith(base + "teacher { temperature: 2.5 }")),
            "teacher.temperature: temperature 2.5 is not in [0, 2]");
  EXPECT_EQ(Problem(BaseWith(base + "teacher { temperature: -0.1 }")),
            "teacher.temperature: temperature -0.1 is not in [0, 2]");
  EXPECT_EQ(Problem(BaseWith(base + "teacher { top_p: 0 }")),
            "teacher.top_p: top_p 0 is not in (0, 1]");
  EXPECT_EQ(Problem(BaseWith(base + "teacher { max_attempts: 21 }")),
            "teacher.max_attempts: max_attempts 21 is over the limit of 20");
}

TEST(ValidateJobSpec, ChecksValidationOutputAndSampleLimits) {
  const std::string base = "graph { length { n: 2 } } ";
  EXPECT_EQ(Problem(BaseWith(base + "validation { min_chars: 10 max_chars: 10 }")), "OK");
  EXPECT_EQ(Problem(BaseWith(base + "validation { min_chars: 11 max_chars: 10 }")),
            "validation.min_chars: min_chars 11 is greater than max_chars 10");
  EXPECT_EQ(Problem(BaseWith(base + "validation { min_chars: 5000 }")),
            "validation.min_chars: min_chars 5000 is greater than the default max_chars 4000");
  EXPECT_EQ(Problem(BaseWith(base + "output { shards: 4097 }")),
            "output.shards: shards 4097 is over the limit of 4096");
  EXPECT_EQ(Problem(BaseWith(base + "output { shards: 4096 } samples_per_document: 1000000")),
            "OK");
  EXPECT_EQ(Problem(BaseWith(base + "samples_per_document: 1000001")),
            "samples_per_document: samples_per_document 1000001 is over the limit of 1000000");
}

TEST(ValidateJobSpec, ChecksChatRolesAndTheLicence) {
  const std::string base = "graph { length { n: 2 } } ";
  EXPECT_EQ(Problem(BaseWith(base + R"pb(
              roles { name: "NARRATOR" weight: 0 }
              output {
                chat_roles { key: "NARRATOR" value: "system" }
                chat_roles { key: "AGENT" value: "user" }
                license: "cc-by-sa-4.0"
              })pb")),
            "OK");
  EXPECT_EQ(Problem(BaseWith(base + R"pb(output { chat_roles { key: "AGNT" value: "user" } })pb")),
            "output.chat_roles.AGNT: role 'AGNT' is not declared (did you mean 'AGENT'?)");
  EXPECT_EQ(Problem(BaseWith(base + R"pb(output { chat_roles { key: "USER" value: "human" } })pb")),
            "output.chat_roles.USER: chat role 'human' must be system, user or assistant");
  EXPECT_EQ(Problem(BaseWith(base + R"pb(output { chat_roles { key: "USER" value: "users" } })pb")),
            "output.chat_roles.USER: chat role 'users' must be system, user or assistant (did "
            "you mean 'user'?)");
  EXPECT_EQ(Problem(BaseWith(base + R"pb(output { license: "CC BY-SA 4.0" })pb")),
            "output.license: licence 'CC BY-SA 4.0' must be an id of at most 64 letters, digits, "
            "'.', '-', '_' or '+', such as cc-by-sa-4.0");
}

TEST(CheckChatRolesCoverRoles, NamesADeclaredRoleWithoutAChatRole) {
  EXPECT_TRUE(CheckChatRolesCoverRoles(BaseWith("")).ok());
  absl::Status status = CheckChatRolesCoverRoles(BaseWith(R"pb(roles { name: "NARRATOR" })pb"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "output.chat_roles: role NARRATOR has no chat role; map it to system, user or "
            "assistant to export the chat format (output: {chat_roles: {NARRATOR: assistant}})");
  EXPECT_TRUE(CheckChatRolesCoverRoles(BaseWith(R"pb(
                roles { name: "NARRATOR" }
                output { chat_roles { key: "NARRATOR" value: "assistant" } })pb"))
                  .ok());
}

}  // namespace
}  // namespace codi
