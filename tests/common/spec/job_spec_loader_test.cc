#include "common/spec/job_spec_loader.h"

#include <optional>
#include <string>

#include "common/spec/job_defaults.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace codi {
namespace {

using codi::testing::TempDir;
using codi::v1::JobSpec;
using google::protobuf::util::MessageDifferencer;

// Every field of the schema, set to a value other than its default.
constexpr char kFullYaml[] = R"(# A QA job over Wikipedia passages.
name: qa-demo
seed: 42
documents:
  path: /data/wiki.jsonl
  limit: 100
  max_document_bytes: 50000
samples_per_document: 2
graph:
  links:
    - name: ask_fact
      role: USER
      instruction: "Ask a short factual question about {title}. Example: {seed}"
      seed_pool: questions
      phenomena:
        - {name: discourse_marker, probability: 0.3}
      next: {answer_span: 1}
    - name: answer_span
      role: AGENT
      instruction: Answer with a short span copied from the document.
      max_tokens: 64
      next:
        ask_followup: 3
        ask_fact: 1
        call_tool: 0.5
    - name: ask_followup
      role: USER
      instruction: |
        Ask a follow-up question. {phenomena}
      phenomena:
        - name: coreference
          probability: 0.5
        - name: vague
          probability: 0.25
      next: {answer_span: 1}
    - name: call_tool
      role: TOOL
      instruction: Look it up.
      next: {answer_span: 1}
  start: {ask_fact: 1}
  length: {min: 2, max: 6}
roles:
  - {name: AGENT, weight: 1}
  - {name: TOOL, weight: 0.5}
phenomena:
  vague:
    instruction: Ask in a vague way that needs the context to be understood.
seed_pools:
  questions:
    items: ["Where is it?", "When was it founded?"]
    document_field: questions
prompt:
  system: "Document {doc_id}: {title}\n{document}"
  history_header: "History:"
  instruction_header: "Now:"
teacher:
  endpoints: [http://127.0.0.1:8000/v1, https://teacher.example.com/v1]
  model: llama-3-70b
  api_key_env: MY_KEY
  api_key_file: /etc/key
  temperature: 0
  top_p: 0.9
  max_tokens: 300
  stop: ["\n\n", "USER:"]
  connect_timeout_ms: 1000
  read_timeout_ms: 60000
  max_attempts: 5
  backoff_base_ms: 100
  backoff_max_ms: 5000
validation:
  max_attempts: 3
  min_chars: 2
  max_chars: 2000
  refusal_phrases: ["I cannot", 'As an AI']
  reject_repeats: false
output:
  shards: 8
  include_context_turn: false
)";

// The same job in JSON, with a uint64 quoted as protobuf's JSON printer does.
constexpr char kFullJson[] = R"({
  "name": "qa-demo",
  "seed": "42",
  "documents": {"path": "/data/wiki.jsonl", "limit": 100, "max_document_bytes": 50000},
  "samples_per_document": 2,
  "graph": {
    "links": [
      {"name": "ask_fact", "role": "USER",
       "instruction": "Ask a short factual question about {title}. Example: {seed}",
       "seed_pool": "questions",
       "phenomena": [{"name": "discourse_marker", "probability": 0.3}],
       "next": {"answer_span": 1}},
      {"name": "answer_span", "role": "AGENT",
       "instruction": "Answer with a short span copied from the document.",
       "max_tokens": 64,
       "next": {"ask_followup": 3, "ask_fact": 1, "call_tool": 0.5}},
      {"name": "ask_followup", "role": "USER",
       "instruction": "Ask a follow-up question. {phenomena}\n",
       "phenomena": [{"name": "coreference", "probability": 0.5},
                     {"name": "vague", "probability": 0.25}],
       "next": {"answer_span": 1}},
      {"name": "call_tool", "role": "TOOL", "instruction": "Look it up.",
       "next": {"answer_span": 1}}
    ],
    "start": {"ask_fact": 1},
    "length": {"min": 2, "max": 6}
  },
  "roles": [{"name": "AGENT", "weight": 1}, {"name": "TOOL", "weight": 0.5}],
  "phenomena": {
    "vague": {"instruction": "Ask in a vague way that needs the context to be understood."}
  },
  "seed_pools": {
    "questions": {"items": ["Where is it?", "When was it founded?"],
                  "document_field": "questions"}
  },
  "prompt": {"system": "Document {doc_id}: {title}\n{document}",
             "history_header": "History:", "instruction_header": "Now:"},
  "teacher": {
    "endpoints": ["http://127.0.0.1:8000/v1", "https://teacher.example.com/v1"],
    "model": "llama-3-70b", "api_key_env": "MY_KEY", "api_key_file": "/etc/key",
    "temperature": 0, "top_p": 0.9, "max_tokens": 300, "stop": ["\n\n", "USER:"],
    "connect_timeout_ms": 1000, "read_timeout_ms": 60000, "max_attempts": 5,
    "backoff_base_ms": 100, "backoff_max_ms": 5000
  },
  "validation": {"max_attempts": 3, "min_chars": 2, "max_chars": 2000,
                 "refusal_phrases": ["I cannot", "As an AI"], "reject_repeats": false},
  "output": {"shards": 8, "include_context_turn": false}
})";

JobSpec MustParse(const std::string& text, const std::string& source = "job.yaml") {
  auto spec = ParseJobSpec(text, source);
  EXPECT_TRUE(spec.ok()) << spec.status();
  return spec.ok() ? *spec : JobSpec();
}

TEST(ParseJobSpec, ReadsEveryFieldOfAFullYamlSpec) {
  const JobSpec spec = MustParse(kFullYaml);
  EXPECT_EQ(spec.name(), "qa-demo");
  EXPECT_EQ(spec.seed(), 42u);
  EXPECT_EQ(spec.documents().path(), "/data/wiki.jsonl");
  EXPECT_EQ(spec.documents().limit(), 100u);
  EXPECT_EQ(spec.samples_per_document(), 2u);
  ASSERT_EQ(spec.graph().links_size(), 4);
  const auto& ask = spec.graph().links(0);
  EXPECT_EQ(ask.instruction(), "Ask a short factual question about {title}. Example: {seed}");
  EXPECT_EQ(ask.seed_pool(), "questions");
  ASSERT_EQ(ask.phenomena_size(), 1);
  EXPECT_EQ(ask.phenomena(0).name(), "discourse_marker");
  EXPECT_DOUBLE_EQ(ask.phenomena(0).probability(), 0.3);
  const auto& answer = spec.graph().links(1);
  EXPECT_EQ(answer.max_tokens(), 64u);
  EXPECT_EQ(answer.next().size(), 3u);
  EXPECT_DOUBLE_EQ(answer.next().at("ask_followup"), 3);
  EXPECT_DOUBLE_EQ(answer.next().at("call_tool"), 0.5);
  EXPECT_EQ(spec.graph().links(2).instruction(), "Ask a follow-up question. {phenomena}\n");
  EXPECT_EQ(spec.graph().length().min(), 2u);
  EXPECT_EQ(spec.graph().length().max(), 6u);
  ASSERT_EQ(spec.roles_size(), 2);  // defaults are not applied by the loader
  EXPECT_EQ(spec.roles(1).name(), "TOOL");
  EXPECT_EQ(spec.phenomena().size(), 1u);
  EXPECT_EQ(spec.seed_pools().at("questions").items_size(), 2);
  EXPECT_EQ(spec.prompt().system(), "Document {doc_id}: {title}\n{document}");
  EXPECT_EQ(spec.teacher().endpoints_size(), 2);
  EXPECT_TRUE(spec.teacher().has_temperature());
  EXPECT_EQ(spec.teacher().temperature(), 0.0);
  EXPECT_EQ(spec.teacher().stop(0), "\n\n");
  EXPECT_EQ(spec.teacher().backoff_max_ms(), 5000u);
  EXPECT_EQ(spec.validation().refusal_phrases(1), "As an AI");
  EXPECT_TRUE(spec.validation().has_reject_repeats());
  EXPECT_FALSE(spec.validation().reject_repeats());
  EXPECT_EQ(spec.output().shards(), 8u);
  EXPECT_TRUE(spec.output().has_include_context_turn());
  EXPECT_FALSE(spec.output().include_context_turn());
}

TEST(ParseJobSpec, ReadsYamlAndEquivalentJsonToEqualMessages) {
  const JobSpec yaml = MustParse(kFullYaml, "job.yaml");
  const JobSpec json = MustParse(kFullJson, "job.json");
  std::string diff;
  MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differencer.Compare(yaml, json)) << diff;
}

TEST(ParseJobSpec, ReadsWhatProtobufsJsonPrinterWrites) {
  const JobSpec spec = MustParse(kFullYaml);
  for (bool snake_case : {true, false}) {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = snake_case;
    std::string json;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(spec, &json, options).ok());
    EXPECT_EQ(json.find("\"samplesPerDocument\"") != std::string::npos, !snake_case) << json;
    EXPECT_TRUE(MessageDifferencer::Equals(MustParse(json, "job.json"), spec)) << json;
  }
}

TEST(ParseJobSpec, AcceptsLowerCamelJsonNames) {
  const JobSpec spec = MustParse(R"(name: demo
samplesPerDocument: 3
graph:
  links:
    - {name: ask, role: USER, seedPool: q, maxTokens: 9}
  start: {ask: 1}
  length: {n: 1}
seedPools: {q: {documentField: questions}}
teacher: {topP: 0.5}
)");
  EXPECT_EQ(spec.samples_per_document(), 3u);
  EXPECT_EQ(spec.graph().links(0).seed_pool(), "q");
  EXPECT_EQ(spec.graph().links(0).max_tokens(), 9u);
  EXPECT_EQ(spec.seed_pools().at("q").document_field(), "questions");
  EXPECT_DOUBLE_EQ(spec.teacher().top_p(), 0.5);
}

TEST(ParseJobSpec, LeavesNullFieldsUnsetAndTakesNumbersAsText) {
  const JobSpec spec = MustParse(R"(name: 2024
seed: ~
documents:
teacher:
  temperature: null
  model: 70
graph:
  links:
    - {name: 1, role: USER}
  start: {"1": 1}
  length: {n: 1}
)");
  EXPECT_EQ(spec.name(), "2024");
  EXPECT_EQ(spec.seed(), 0u);
  EXPECT_FALSE(spec.has_documents());
  EXPECT_FALSE(spec.teacher().has_temperature());
  EXPECT_EQ(spec.teacher().model(), "70");
  EXPECT_EQ(spec.graph().links(0).name(), "1");
}

TEST(ParseJobSpec, KeepsAnExplicitZeroTemperatureThroughTheDefaults) {
  const char* with_zero = R"(name: demo
graph: {links: [{name: a, role: USER}], start: {a: 1}, length: {n: 1}}
teacher: {temperature: 0}
)";
  const JobSpec explicit_zero = WithDefaults(MustParse(with_zero));
  EXPECT_TRUE(explicit_zero.teacher().has_temperature());
  EXPECT_EQ(explicit_zero.teacher().temperature(), 0.0);
  const JobSpec unset = WithDefaults(MustParse(R"(name: demo
graph: {links: [{name: a, role: USER}], start: {a: 1}, length: {n: 1}}
)"));
  EXPECT_DOUBLE_EQ(unset.teacher().temperature(), 0.7);
}

TEST(ParseJobSpec, ReadsTheFullRangeOfUnsignedIntegers) {
  const JobSpec spec = MustParse(R"(name: demo
seed: 18446744073709551615
samples_per_document: +7
teacher: {read_timeout_ms: 4294967295}
graph: {links: [{name: a, role: USER}], start: {a: 1}, length: {n: 1}}
)");
  EXPECT_EQ(spec.seed(), 18446744073709551615u);
  EXPECT_EQ(spec.samples_per_document(), 7u);
  EXPECT_EQ(spec.teacher().read_timeout_ms(), 4294967295u);
}

// A malformed spec or input and the exact error line it gets.
struct MalformedCase {
  const char* what;
  const char* text;  // nullptr: load the missing file below instead
  const char* error;
};

constexpr char kMissingFile[] = "no/such/dir/job.yaml";

const MalformedCase kMalformed[] = {
    {"unknown nested field, with a suggestion", R"(name: demo
graph:
  links:
    - {name: ask, role: USER}
  start: {ask: 1}
  lenght: {n: 1}
)",
     R"(job.yaml:6: graph.lenght: unknown field (did you mean "length"?))"},
    {"unknown field in a list item", R"(name: demo
graph:
  links:
    - name: ask
      role: USER
      nxt: {ask: 1}
)",
     R"(job.yaml:6: graph.links[0].nxt: unknown field (did you mean "next"?))"},
    {"unknown top-level field without a close name", R"(name: demo
workers: 4
)",
     "job.yaml:2: workers: unknown field"},
    {"string where an integer is expected", R"(name: demo
seed: abc
)",
     R"(job.yaml:2: seed: expected an unsigned integer, got "abc")"},
    {"scalar where a message is expected", R"(name: demo
graph: linear
)",
     R"(job.yaml:2: graph: expected a map, got "linear")"},
    {"map where a list is expected", R"(name: demo
graph:
  links: {name: ask}
)",
     "job.yaml:3: graph.links: expected a list, got a map"},
    {"negative number into an unsigned field", R"(name: demo
samples_per_document: -1
)",
     "job.yaml:2: samples_per_document: expected an unsigned integer, got -1"},
    {"uint32 overflow", R"(name: demo
teacher:
  max_tokens: 4294967296
)",
     "job.yaml:3: teacher.max_tokens: 4294967296 is out of range (at most 4294967295)"},
    {"uint64 overflow", R"(name: demo
seed: 18446744073709551616
)",
     "job.yaml:2: seed: 18446744073709551616 is out of range (at most 18446744073709551615)"},
    {"fraction into an integer field", R"(name: demo
output: {shards: 2.5}
)",
     "job.yaml:2: output.shards: expected an unsigned integer, got 2.5"},
    {"yes is not a bool", R"(name: demo
validation:
  reject_repeats: yes
)",
     R"(job.yaml:3: validation.reject_repeats: expected true or false, got "yes")"},
    {"string where a number is expected", R"(name: demo
graph:
  links:
    - name: ask
      role: USER
      next: {ask: lots}
)",
     R"(job.yaml:6: graph.links[0].next.ask: expected a number, got "lots")"},
    {"list where a string is expected", R"(name: [a, b]
)",
     "job.yaml:1: name: expected a string, got a list"},
    {"null item in a list", R"(name: demo
teacher:
  endpoints: [http://127.0.0.1:8000/v1, null]
)",
     "job.yaml:3: teacher.endpoints[1]: expected a string, got null"},
    {"null weight", R"(name: demo
graph:
  start:
    ask:
)",
     "job.yaml:4: graph.start.ask: expected a number, got null"},
    {"YAML syntax error", R"(name: demo
graph:
  links: [{name: ask, role: USER}
  start: {ask: 1}
)",
     "job.yaml:4:3: end of sequence flow not found"},
    {"bad indentation", R"(name: demo
graph:
  links: []
   start: {}
)",
     "job.yaml:4:4: end of map not found"},
    {"duplicate field", R"(name: demo
seed: 1
name: other
)",
     "job.yaml:3: name: duplicate key (first given on line 1)"},
    {"duplicate field under its JSON name", R"(name: demo
teacher:
  top_p: 0.5
  topP: 0.9
)",
     "job.yaml:4: teacher.top_p: duplicate key (first given on line 3)"},
    {"duplicate map key", R"(name: demo
graph:
  start:
    ask: 1
    ask: 2
)",
     "job.yaml:5: graph.start.ask: duplicate key (first given on line 4)"},
    {"empty file", "", "job.yaml:1: the job spec is empty (expected a map of job fields)"},
    {"only comments", "# nothing here\n",
     "job.yaml:1: the job spec is empty (expected a map of job fields)"},
    {"top level is a list", R"(- name: demo
)",
     "job.yaml:1: expected a map of job fields, got a list"},
    {"two YAML documents", R"(name: demo
---
name: other
)",
     "job.yaml:3: expected one YAML document, found a second one (remove the ---)"},
    {"no name", R"(seed: 1
)",
     "job.yaml: name: the job has no name"},
    {"transition to an unknown link", R"(name: demo
graph:
  links:
    - {name: ask, role: USER, next: {answer_span: 1}}
    - name: answer_span
      role: AGENT
      next:
        ask: 1
        answr_span: 2
  start: {ask: 1}
  length: {n: 4}
)",
     "job.yaml:9: graph.links[1].next.answr_span: transition to unknown link 'answr_span' (did "
     "you mean 'answer_span'?)"},
    {"negative transition weight", R"(name: demo
graph:
  links:
    - {name: ask, role: USER, next: {answer: -1}}
    - {name: answer, role: AGENT, next: {ask: 1}}
  start: {ask: 1}
  length: {n: 4}
)",
     "job.yaml:4: graph.links[0].next.answer: weight -1 is negative"},
    {"start weights all zero", R"(name: demo
graph:
  links:
    - {name: ask, role: USER, next: {answer: 1}}
    - {name: answer, role: AGENT, next: {ask: 1}}
  start: {ask: 0, answer: 0}
  length: {n: 4}
)",
     "job.yaml:6: graph.start: weights are all zero"},
    {"start at an unknown link", R"(name: demo
graph:
  links:
    - {name: ask, role: USER}
  start:
    asq: 1
)",
     "job.yaml:6: graph.start.asq: start at unknown link 'asq' (did you mean 'ask'?)"},
    {"empty link set", R"(name: demo
graph:
  links: []
  start: {ask: 1}
)",
     "job.yaml:3: graph.links: the graph has no links"},
    {"no graph at all", R"(name: demo
)",
     "job.yaml: graph.links: the graph has no links"},
    {"length zero", R"(name: demo
graph:
  links:
    - {name: ask, role: USER}
  start: {ask: 1}
  length: {n: 0}
)",
     "job.yaml:6: graph.length: length is zero (set n >= 1, or min >= 1 and max >= min)"},
    {"min greater than max", R"(name: demo
graph:
  links:
    - {name: ask, role: USER, next: {ask: 1}}
  start: {ask: 1}
  length:
    min: 5
    max: 3
)",
     "job.yaml:8: graph.length.max: max 3 is less than min 5"},
    {"undeclared role", R"(name: demo
graph:
  links:
    - name: lookup
      role: TOOL
)",
     "job.yaml:5: graph.links[0].role: role 'TOOL' is not declared (declare it under roles)"},
    {"a link with the CONTEXT role", R"(name: demo
graph:
  links:
    - {name: doc, role: CONTEXT}
)",
     "job.yaml:4: graph.links[0].role: role CONTEXT is reserved for the document"},
    {"unknown placeholder", R"(name: demo
graph:
  links:
    - name: ask
      role: USER
      instruction: Ask about {topic}.
)",
     "job.yaml:6: graph.links[0].instruction: unknown placeholder {topic} (allowed: {role}, "
     "{title}, {doc_id}, {seed}, {phenomena})"},
    {"{document} in a link instruction", R"(name: demo
graph:
  links:
    - name: ask
      role: USER
      instruction: "Read {document} and ask."
)",
     "job.yaml:6: graph.links[0].instruction: {document} is not allowed in a link instruction: "
     "the document is placed in the stable prompt prefix"},
    {"unknown placeholder in the system prompt", R"(name: demo
graph:
  links: [{name: ask, role: USER}]
  start: {ask: 1}
  length: {n: 1}
prompt:
  system: "{document} {history}"
)",
     "job.yaml:7: prompt.system: unknown placeholder {history} (allowed: {title}, {document}, "
     "{doc_id})"},
    {"unknown phenomenon", R"(name: demo
graph:
  links:
    - name: ask
      role: USER
      phenomena:
        - {name: corefrence, probability: 0.5}
)",
     "job.yaml:7: graph.links[0].phenomena[0].name: unknown phenomenon 'corefrence' (did you "
     "mean 'coreference'?)"},
    {"probability above one", R"(name: demo
graph:
  links:
    - name: ask
      role: USER
      phenomena:
        - name: coreference
          probability: 1.5
)",
     "job.yaml:8: graph.links[0].phenomena[0].probability: probability 1.5 is not in [0, 1]"},
    {"duplicate link name", R"(name: demo
graph:
  links:
    - {name: ask, role: USER}
    - {name: answer, role: AGENT}
    - {name: ask, role: AGENT}
)",
     "job.yaml:6: graph.links[2].name: duplicate link name 'ask' (first at graph.links[0])"},
    {"unknown seed pool", R"(name: demo
seed_pools:
  questions: {items: ["Where?"]}
graph:
  links:
    - {name: ask, role: USER, seed_pool: questons}
)",
     "job.yaml:6: graph.links[0].seed_pool: unknown seed pool 'questons' (did you mean "
     "'questions'?)"},
    {"dead-end link reachable mid-conversation", R"(name: demo
graph:
  links:
    - {name: ask, role: USER, next: {answer: 1}}
    - {name: answer, role: AGENT, next: {follow_up: 1}}
    - name: follow_up
      role: USER
  start: {ask: 1}
  length: {n: 4}
)",
     "job.yaml:6: graph.links[2].next: link 'follow_up' can be reached before the end of a "
     "conversation but has no outgoing transitions"},
    {"bad endpoint URL", R"(name: demo
graph:
  links: [{name: ask, role: USER}]
  start: {ask: 1}
  length: {n: 1}
teacher:
  endpoints:
    - http://127.0.0.1:8000/v1
    - localhost:8000
)",
     "job.yaml:9: teacher.endpoints[1]: 'localhost:8000' is not an http(s) URL with a host, such "
     "as http://127.0.0.1:8000/v1"},
    {"temperature out of range", R"(name: demo
graph: {links: [{name: ask, role: USER}], start: {ask: 1}, length: {n: 1}}
teacher: {temperature: 2.5}
)",
     "job.yaml:3: teacher.temperature: temperature 2.5 is not in [0, 2]"},
    {"min_chars above max_chars", R"(name: demo
graph: {links: [{name: ask, role: USER}], start: {ask: 1}, length: {n: 1}}
validation:
  min_chars: 100
  max_chars: 10
)",
     "job.yaml:4: validation.min_chars: min_chars 100 is greater than max_chars 10"},
    {"unknown field in JSON", R"({"name": "demo",
 "graph": {"links": [{"name": "ask", "role": "USER"}],
           "start": {"ask": 1}, "length": {"n": 1}},
 "output": {"shard": 2}})",
     R"(job.yaml:4: output.shard: unknown field (did you mean "shards"?))"},
    {"JSON syntax error", R"({"name": "demo",
 "seed": 1
)",
     "job.yaml:3:1: end of map flow not found"},
    {"JSON with an empty key", R"({"name": "demo",
 "seed": 1,,
})",
     "job.yaml:2: expected a field name, got null"},
    {"file not found", nullptr,
     "no/such/dir/job.yaml: cannot open the job spec: No such file or directory"},
};

TEST(ParseJobSpec, RejectsEachMalformedSpecWithItsExactErrorLine) {
  static_assert(std::size(kMalformed) >= 15);
  for (const MalformedCase& c : kMalformed) {
    absl::StatusOr<JobSpec> spec =
        c.text != nullptr ? ParseJobSpec(c.text, "job.yaml") : LoadJobSpecFile(kMissingFile);
    ASSERT_FALSE(spec.ok()) << c.what;
    EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument) << c.what;
    EXPECT_EQ(std::string(spec.status().message()), c.error) << c.what;
  }
}

constexpr char kSmallSpec[] = R"(name: demo
documents: {path: data/docs.jsonl}
graph: {links: [{name: ask, role: USER}], start: {ask: 1}, length: {n: 1}}
)";

TEST(LoadJobSpecFile, ResolvesARelativeDocumentsPathAgainstTheFilesDirectory) {
  TempDir dir;
  const std::string file = dir.Write("jobs/job.yaml", kSmallSpec);
  auto spec = LoadJobSpecFile(file);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->documents().path(), dir.File("jobs/data/docs.jsonl"));
}

TEST(LoadJobSpecFile, KeepsAnAbsoluteDocumentsPath) {
  TempDir dir;
  const std::string file = dir.Write("job.json",
                                     R"({"name": "demo", "documents": {"path": "/srv/docs.jsonl"},
          "graph": {"links": [{"name": "a", "role": "USER"}], "start": {"a": 1},
                    "length": {"n": 1}}})");
  auto spec = LoadJobSpecFile(file);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->documents().path(), "/srv/docs.jsonl");
}

TEST(LoadJobSpecFile, NamesTheFileInErrors) {
  TempDir dir;
  const std::string file = dir.Write("job.yaml", "name: demo\nseed: x\n");
  auto spec = LoadJobSpecFile(file);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().message(), file + ":2: seed: expected an unsigned integer, got \"x\"");
  auto directory = LoadJobSpecFile(dir.path());
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.status().message(), dir.path() + ": is a directory, not a job spec");
}

TEST(ParseJobSpec, KeepsErrorsOnOneLineWhenTheBadValueHasSeveral) {
  auto spec = ParseJobSpec("name: demo\nseed: |\n  one\n  two\n", "job.yaml");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().message(),
            R"(job.yaml:2: seed: expected an unsigned integer, got "one\ntwo\n")");
}

TEST(ParseJobSpec, EscapesANewlineInAKeyOrAParserMessage) {
  auto key = ParseJobSpec("name: demo\nseed_pools: {\"a\\nb\": 1}\n", "job.yaml");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().message(), R"(job.yaml:2: seed_pools.a\nb: expected a map, got 1)");
  auto escape = ParseJobSpec("name: \"\\\n\x01\"\n", "job.yaml");
  ASSERT_FALSE(escape.ok());
  EXPECT_EQ(std::string(escape.status().message()).find('\n'), std::string::npos)
      << escape.status();
}

// yaml-cpp 0.7's LoadAll never returns on this stream (found by tests/fuzz).
TEST(ParseJobSpec, ReturnsOnAStrayCommaThatLoopsYamlCppsLoadAll) {
  auto spec = ParseJobSpec("\n,\n", "job.yaml");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(spec.status().message()), ::testing::StartsWith("job.yaml:"));
}

// A few kilobytes of aliases can name millions of values (found by tests/fuzz).
TEST(ParseJobSpec, RefusesASpecWhoseAliasesExpandPastTheValueLimit) {
  std::string text =
      "name: laughs\ngraph:\n  links: [&L {name: a, phenomena: [&P {name: x, probability: 1}";
  for (int i = 0; i < 330; ++i) text += ",*P";
  text += "]}";
  for (int i = 0; i < 330; ++i) text += ",*L";
  text += "]\n";
  auto spec = ParseJobSpec(text, "job.yaml");
  ASSERT_FALSE(spec.ok());
  EXPECT_THAT(
      std::string(spec.status().message()),
      ::testing::MatchesRegex(
          R"(job\.yaml:3: graph\.links\[[0-9]+\]\.phenomena\[[0-9]+\](\.[a-z]+)?: the job spec holds )"
          R"(more than 100000 values \(each use of a YAML alias counts\); .*)"));
}

}  // namespace
}  // namespace codi
