// The distributed service as real processes: codi-coordinator, codi-worker
// and codi-teacher-sim on loopback, driven by the codi CLI. Workers and the
// coordinator are killed with SIGKILL mid-job and restarted; at the end every
// conversation is there exactly once and no finished turn was asked again
// beyond those in flight at a kill. The chaos runs with mutual TLS and bearer
// tokens on every connection, and no token reaches any log.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/child_process.h"
#include "tests/support/job_yaml.h"
#include "tests/support/sim_request_log.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certs.h"

namespace codi::testing {
namespace {

const std::string kBin = CODI_BIN_DIR;
const std::string kDocs = std::string(CODI_SOURCE_DIR) + "/examples/qa/docs.jsonl";

// `samples` conversations of each of the first `limit` documents of `docs`
// (0: all of them); the workers' --teacher overrides the endpoint.
std::string DistJob(const std::string& docs, uint32_t samples, uint64_t limit) {
  return JobYaml({.name = "dist",
                  .seed = 5,
                  .documents = docs,
                  .limit = limit,
                  .samples = samples,
                  .teacher = {"read_timeout_ms: 10000"}});
}

class Cluster {
 public:
  explicit Cluster(const TempDir& dir) : dir_(dir) {}

  // From now on every connection uses mutual TLS and a bearer token: the
  // coordinator requires both, workers hold a worker token, the CLI a client one.
  bool Secure() {
    certs_ = MakeTestCerts(dir_);
    if (!certs_.error.empty()) return false;
    std::string file;
    for (const std::string role : {"worker", "client"}) {
      std::string out, err;
      if (RunToCompletion({kBin + "/codi", "token", "new", "--role", role}, 30, &out, &err) != 0)
        return false;
      const size_t newline = out.find('\n');
      tokens_.push_back(out.substr(0, newline));
      WriteFile(dir_.File(role + ".token"), tokens_.back());
      file += out.substr(newline + 1);
    }
    WriteFile(dir_.File("tokens"), file);
    return true;
  }

  bool StartSim(const std::string& latency_ms) {
    if (!sim_.Start(
            {kBin + "/codi-teacher-sim", "--listen", "127.0.0.1:0", "--latency-ms", latency_ms,
             "--keep-alive-s", "1", "--request-log", dir_.File("requests.jsonl")},
            dir_.File("sim.out"), dir_.File("sim.err"))) {
      return false;
    }
    sim_address_ = sim_.WaitForListenAddress(20);
    return !sim_address_.empty();
  }

  // The first start picks a free port; restarts reuse it so workers find it again.
  bool StartCoordinator() {
    const std::string listen = coordinator_address_.empty() ? "127.0.0.1:0" : coordinator_address_;
    coordinator_ = std::make_unique<ChildProcess>();
    std::vector<std::string> argv = {kBin + "/codi-coordinator",
                                     "--listen",
                                     listen,
                                     "--state",
                                     dir_.File("state"),
                                     "--lease-ttl-s",
                                     "3",
                                     "--recovery-grace-s",
                                     "3"};
    if (secure()) {
      argv.insert(argv.end(), {"--tls-cert", certs_.server_cert, "--tls-key", certs_.server_key,
                               "--tls-client-ca", certs_.ca, "--auth-tokens", dir_.File("tokens")});
    }
    if (!coordinator_->Start(argv, dir_.File("coordinator.out"), dir_.File("coordinator.err"))) {
      return false;
    }
    const std::string address = coordinator_->WaitForListenAddress(20);
    if (coordinator_address_.empty()) coordinator_address_ = address;
    return !address.empty();
  }

  bool StartWorker(size_t i) {
    if (workers_.size() <= i) workers_.resize(i + 1);
    workers_[i] = std::make_unique<ChildProcess>();
    std::vector<std::string> argv = {kBin + "/codi-worker",
                                     "--coordinator",
                                     coordinator_address_,
                                     "--teacher",
                                     "http://" + sim_address_ + "/v1",
                                     "--concurrency",
                                     std::to_string(kWorkerConcurrency),
                                     "--heartbeat-ms",
                                     "500",
                                     "--lease-wait-ms",
                                     "1000",
                                     "--worker-id",
                                     "w" + std::to_string(i)};
    if (secure()) AddClientSecurity(&argv, "worker");
    return workers_[i]->Start(argv, dir_.File("worker.out"),
                              dir_.File("worker" + std::to_string(i) + ".err"));
  }

  ChildProcess& worker(size_t i) { return *workers_[i]; }
  ChildProcess& coordinator() { return *coordinator_; }
  const std::string& address() const { return coordinator_address_; }
  const std::string& sim_address() const { return sim_address_; }

  std::string Codi(std::vector<std::string> args, int* code, double timeout_s = 60) {
    args.insert(args.begin(), kBin + "/codi");
    if (secure()) AddClientSecurity(&args, "client");
    std::string out, err;
    *code = RunToCompletion(args, timeout_s, &out, &err);
    cli_output_ += out + err;
    return out + err;
  }

  // Whether any output of any process (the CLI's included) holds a token.
  bool AnyTokenLogged() const {
    const std::string all = cli_output_ + ReadProcessOutputs(dir_.path());
    for (const auto& token : tokens_) {
      if (all.find(token) != std::string::npos) return true;
    }
    return false;
  }

  static constexpr int kWorkerConcurrency = 8;

 private:
  bool secure() const { return !tokens_.empty(); }
  void AddClientSecurity(std::vector<std::string>* argv, const std::string& role) const {
    argv->insert(argv->end(), {"--tls-ca", certs_.ca, "--tls-cert", certs_.client_cert, "--tls-key",
                               certs_.client_key, "--token-file", dir_.File(role + ".token")});
  }

  const TempDir& dir_;
  ChildProcess sim_;
  std::unique_ptr<ChildProcess> coordinator_;
  std::vector<std::unique_ptr<ChildProcess>> workers_;
  std::string sim_address_, coordinator_address_;
  TestCerts certs_;
  std::vector<std::string> tokens_;
  std::string cli_output_;
};

std::map<std::pair<std::string, int>, nlohmann::json> ReadExport(const std::string& dir,
                                                                 int* lines) {
  std::map<std::pair<std::string, int>, nlohmann::json> out;
  *lines = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".jsonl") continue;
    for (const auto& line : ReadLines(entry.path().string())) {
      auto j = nlohmann::json::parse(line);
      ++*lines;
      out[{j["doc_id"].get<std::string>(), j["sample"].get<int>()}] = j;
    }
  }
  return out;
}

std::string StatusField(Cluster& cluster, const std::string& job, const std::string& field) {
  int code = 0;
  std::string out =
      cluster.Codi({"status", job, "--coordinator", cluster.address(), "--json"}, &code);
  if (code != 0) return "";
  auto start = out.find('{');
  if (start == std::string::npos) return "";
  auto j = nlohmann::json::parse(out.substr(start), nullptr, false);
  if (j.is_discarded() || !j.contains(field)) return "";
  return j[field].is_string() ? j[field].get<std::string>() : j[field].dump();
}

TEST(Distributed, SurvivesWorkerAndCoordinatorSigkillsWithEveryConversationExactlyOnce) {
  TempDir dir;
  Cluster cluster(dir);
  ASSERT_TRUE(cluster.Secure());  // mutual TLS and tokens on every connection
  ASSERT_TRUE(cluster.StartSim("25"));
  ASSERT_TRUE(cluster.StartCoordinator());
  for (size_t i = 0; i < 3; ++i) ASSERT_TRUE(cluster.StartWorker(i));
  // 50 documents x 40 samples = 2,000 conversations of 4 turns.
  WriteFile(dir.File("job.yaml"), DistJob(kDocs, 40, 50));
  int code = 0;
  std::string out = cluster.Codi(
      {"submit", dir.File("job.yaml"), "--coordinator", cluster.address(), "--job-id", "chaos"},
      &code);
  ASSERT_EQ(code, 0) << out;

  // Five worker kills and two coordinator kills at random moments.
  std::mt19937 rng(20261123);
  std::uniform_int_distribution<int> pause_ms(400, 1200);
  std::uniform_int_distribution<int> pick(0, 2);
  const char plan[] = "WWCWWCW";
  int kills = 0;
  for (char event : std::string(plan)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    if (event == 'W') {
      const int w = pick(rng);
      cluster.worker(w).Signal(SIGKILL);
      ASSERT_EQ(cluster.worker(w).Wait(10), 128 + SIGKILL);
      ASSERT_TRUE(cluster.StartWorker(w));
    } else {
      cluster.coordinator().Signal(SIGKILL);
      ASSERT_EQ(cluster.coordinator().Wait(10), 128 + SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      ASSERT_TRUE(cluster.StartCoordinator()) << ReadFile(dir.File("coordinator.err"));
    }
    ++kills;
  }
  ASSERT_EQ(kills, 7);
  // The job must still have been running at the last kill for the test to mean anything.
  const std::string done_after_kills = StatusField(cluster, "chaos", "conversations_done");
  ASSERT_FALSE(done_after_kills.empty());
  EXPECT_LT(std::stoi(done_after_kills), 2000) << "the job finished before the chaos ended";

  out = cluster.Codi({"watch", "chaos", "--coordinator", cluster.address(), "--progress", "lines",
                      "--interval-ms", "500"},
                     &code, 240);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("chaos succeeded"), std::string::npos) << out;

  out = cluster.Codi(
      {"export", "chaos", "--coordinator", cluster.address(), "--out", dir.File("export"),
       // Every conversation counted: dedup (on by default) is tested in dedup_test.cc.
       "--dedup", "off"},
      &code, 120);
  ASSERT_EQ(code, 0) << out;
  int lines = 0;
  auto conversations = ReadExport(dir.File("export"), &lines);
  EXPECT_EQ(lines, 2000) << "each (document, sample) exactly once";
  EXPECT_EQ(conversations.size(), 2000u);
  for (const auto& [key, c] : conversations) {
    ASSERT_EQ(c["graph"].size(), 4u);
    ASSERT_EQ(c["turns"].size(), 5u) << key.first << "/" << key.second;
    for (size_t i = 0; i < 4; ++i) EXPECT_EQ(c["turns"][i + 1]["link"], c["graph"][i]);
  }
  // Exporting again gives the same bytes.
  out = cluster.Codi({"export", "chaos", "--coordinator", cluster.address(), "--out",
                      dir.File("export2"), "--dedup", "off"},
                     &code, 120);
  ASSERT_EQ(code, 0) << out;
  for (const auto& entry : std::filesystem::directory_iterator(dir.File("export"))) {
    EXPECT_EQ(ReadFile(entry.path().string()),
              ReadFile(dir.File("export2") + "/" + entry.path().filename().string()));
  }

  // Every turn was answered; repeats only for turns in flight at a kill: at
  // most one per worker thread for a worker kill, and every thread of every
  // worker for a coordinator kill (their reports may miss the recovery grace).
  const std::map<std::string, int> answered = AnsweredTurns(dir.File("requests.jsonl"));
  EXPECT_EQ(answered.size(), 8000u);
  const int repeated = RepeatedAnswers(answered);
  EXPECT_LE(repeated, 5 * Cluster::kWorkerConcurrency + 2 * 3 * Cluster::kWorkerConcurrency);
  std::cerr << "distributed chaos: " << repeated << " turns requested again after kills\n";

  for (size_t i = 0; i < 3; ++i) {
    cluster.worker(i).Signal(SIGTERM);
    EXPECT_EQ(cluster.worker(i).Wait(30), 0) << "a worker exits 0 on SIGTERM";
  }
  cluster.coordinator().Signal(SIGTERM);
  EXPECT_EQ(cluster.coordinator().Wait(30), 0);
  EXPECT_FALSE(cluster.AnyTokenLogged());
}

TEST(Distributed, RunsAJobWhoseDocumentsAreStreamedFromTheClient) {
  TempDir dir;
  Cluster cluster(dir);
  ASSERT_TRUE(cluster.Secure());
  ASSERT_TRUE(cluster.StartSim("5"));
  ASSERT_TRUE(cluster.StartCoordinator());
  ASSERT_TRUE(cluster.StartWorker(0));
  // The documents exist only on the client side: a path the coordinator never sees.
  std::string docs;
  int n = 0;
  for (const auto& line : ReadLines(kDocs)) {
    if (n++ == 6) break;
    docs += line + "\n";
  }
  WriteFile(dir.File("client-docs.jsonl"), docs);
  WriteFile(dir.File("job.yaml"), DistJob("/nonexistent/on/the/coordinator.jsonl", 2, 0));
  int code = 0;
  std::string out = cluster.Codi({"submit", dir.File("job.yaml"), "--coordinator",
                                  cluster.address(), "--docs", dir.File("client-docs.jsonl")},
                                 &code);
  ASSERT_EQ(code, 0) << out;
  const std::string job = out.substr(0, out.find('\n'));
  ASSERT_FALSE(job.empty());
  // codi watch shows live progress and ends with the job.
  out = cluster.Codi({"watch", job, "--coordinator", cluster.address(), "--progress", "lines",
                      "--interval-ms", "200"},
                     &code, 120);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("conversations"), std::string::npos) << out;
  EXPECT_NE(out.find("conv/s"), std::string::npos) << out;
  EXPECT_NE(out.find(job + " succeeded"), std::string::npos) << out;
  out = cluster.Codi({"export", job, "--coordinator", cluster.address(), "--out",
                      dir.File("export"), "--dedup", "off"},
                     &code);
  ASSERT_EQ(code, 0) << out;
  int lines = 0;
  auto conversations = ReadExport(dir.File("export"), &lines);
  EXPECT_EQ(lines, 12);
  EXPECT_TRUE(std::filesystem::exists(dir.File("export/README.md")));
  // The same job as chat messages, its dataset card made from the spec and
  // report the coordinator holds.
  out = cluster.Codi({"export", job, "--coordinator", cluster.address(), "--out", dir.File("chat"),
                      "--format", "chat"},
                     &code);
  ASSERT_EQ(code, 0) << out;
  int chat_lines = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.File("chat"))) {
    if (!entry.path().string().ends_with(".chat.jsonl")) continue;
    for (const auto& line : ReadLines(entry.path().string())) {
      auto j = nlohmann::json::parse(line);
      ASSERT_EQ(j["messages"].size(), 5u) << line;  // the document, then 4 turns
      EXPECT_EQ(j["messages"][0]["role"], "system");
      ++chat_lines;
    }
  }
  EXPECT_EQ(chat_lines, 12);
  const std::string card = ReadFile(dir.File("chat/README.md"));
  EXPECT_NE(card.find("license: unknown"), std::string::npos) << card;
  EXPECT_NE(card.find("| conversations done | 12 |"), std::string::npos) << card;
  out = cluster.Codi({"report", job, "--coordinator", cluster.address()}, &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("12 done"), std::string::npos) << out;
  // The same report as an HTML page (headless Chromium draws one in
  // tests/common/report_html/render_in_chromium.py).
  out = cluster.Codi(
      {"report", job, "--coordinator", cluster.address(), "--html", dir.File("report.html")},
      &code);
  ASSERT_EQ(code, 0) << out;
  const std::string html = ReadFile(dir.File("report.html"));
  EXPECT_NE(html.find("<title>codi report: " + job + "</title>"), std::string::npos);
  EXPECT_NE(html.find("<svg class=\"chart hbar\""), std::string::npos);
  EXPECT_NE(html.find("from coordinator " + cluster.address()), std::string::npos);
  EXPECT_FALSE(cluster.AnyTokenLogged());
}

TEST(Distributed, CancelStopsAJobWithinSeconds) {
  TempDir dir;
  Cluster cluster(dir);
  ASSERT_TRUE(cluster.StartSim("20"));
  ASSERT_TRUE(cluster.StartCoordinator());
  ASSERT_TRUE(cluster.StartWorker(0));
  WriteFile(dir.File("job.yaml"), DistJob(kDocs, 40, 50));
  int code = 0;
  std::string out = cluster.Codi(
      {"submit", dir.File("job.yaml"), "--coordinator", cluster.address(), "--job-id", "tocancel"},
      &code);
  ASSERT_EQ(code, 0) << out;
  std::this_thread::sleep_for(std::chrono::seconds(1));
  out = cluster.Codi({"cancel", "tocancel", "--coordinator", cluster.address()}, &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("cancelled"), std::string::npos) << out;
  // Within a few seconds the worker has stopped asking the teacher for this job.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const size_t after_cancel = ReadLines(dir.File("requests.jsonl")).size();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(ReadLines(dir.File("requests.jsonl")).size(), after_cancel);
  EXPECT_LT(after_cancel, 8000u);
}

}  // namespace
}  // namespace codi::testing
