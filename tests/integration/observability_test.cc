// Operations as real processes: a real Prometheus server scrapes the
// coordinator and two workers during a job and its PromQL answers match the
// job's report; every /metrics page passes `promtool check metrics`; a worker
// given SIGTERM mid-job exits 0 without losing or repeating a turn.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/support/child_process.h"
#include "tests/support/job_yaml.h"
#include "tests/support/sim_request_log.h"
#include "tests/support/temp_dir.h"

namespace codi::testing {
namespace {

const std::string kBin = CODI_BIN_DIR;
const std::string kDocs = std::string(CODI_SOURCE_DIR) + "/examples/qa/docs.jsonl";

// A loopback port that was free a moment ago (for Prometheus, which cannot pick one itself).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// "metrics on HOST:PORT" from a server's stdout.
std::string MetricsAddress(const std::string& stdout_path, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& line : ReadLines(stdout_path)) {
      if (line.rfind("metrics on ", 0) == 0) return line.substr(11);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return "";
}

std::string Get(const std::string& address, const std::string& path) {
  httplib::Client client("http://" + address);
  client.set_read_timeout(10, 0);
  auto res = client.Get(path.c_str());
  return res && res->status == 200 ? res->body : "";
}

// The workers' --teacher overrides the endpoint.
std::string OpsJob(uint32_t samples, int read_timeout_ms) {
  JobFile job{.name = "ops",
              .seed = 3,
              .documents = kDocs,
              .samples = samples,
              .teacher = {"backoff_base_ms: 10", "backoff_max_ms: 50"}};
  if (read_timeout_ms > 0)
    job.teacher.push_back("read_timeout_ms: " + std::to_string(read_timeout_ms));
  return JobYaml(job);
}

// The value of an unlabelled sample `name` on a /metrics page, or -1.
double SampleValue(const std::string& page, const std::string& name) {
  std::istringstream in(page);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

struct Servers {
  TempDir& dir;
  ChildProcess sim, coordinator;
  std::vector<std::unique_ptr<ChildProcess>> workers;
  std::string sim_address, coordinator_address, coordinator_metrics;
  std::vector<std::string> worker_metrics;

  bool Start(int n_workers, const std::vector<std::string>& sim_flags,
             const std::vector<std::string>& worker_flags = {}) {
    std::vector<std::string> sim_argv = {kBin + "/codi-teacher-sim", "--listen", "127.0.0.1:0",
                                         "--keep-alive-s",           "1",        "--request-log",
                                         dir.File("requests.jsonl")};
    sim_argv.insert(sim_argv.end(), sim_flags.begin(), sim_flags.end());
    if (!sim.Start(sim_argv, dir.File("sim.out"), dir.File("sim.err"))) return false;
    sim_address = sim.WaitForListenAddress(20);
    if (!coordinator.Start({kBin + "/codi-coordinator", "--listen", "127.0.0.1:0", "--state",
                            dir.File("state"), "--metrics-listen", "127.0.0.1:0"},
                           dir.File("coordinator.out"), dir.File("coordinator.err"))) {
      return false;
    }
    coordinator_address = coordinator.WaitForListenAddress(20);
    coordinator_metrics = MetricsAddress(dir.File("coordinator.out"), 20);
    for (int i = 0; i < n_workers; ++i) {
      auto w = std::make_unique<ChildProcess>();
      const std::string out = dir.File("worker" + std::to_string(i) + ".out");
      std::vector<std::string> argv = {kBin + "/codi-worker",
                                       "--coordinator",
                                       coordinator_address,
                                       "--teacher",
                                       "http://" + sim_address + "/v1",
                                       "--concurrency",
                                       "4",
                                       "--lease-wait-ms",
                                       "1000",
                                       "--metrics-listen",
                                       "127.0.0.1:0"};
      argv.insert(argv.end(), worker_flags.begin(), worker_flags.end());
      if (!w->Start(argv, out, dir.File("worker" + std::to_string(i) + ".err"))) {
        return false;
      }
      worker_metrics.push_back(MetricsAddress(out, 20));
      if (worker_metrics.back().empty()) return false;
      workers.push_back(std::move(w));
    }
    return !sim_address.empty() && !coordinator_address.empty() && !coordinator_metrics.empty();
  }

  std::string Submit(int samples, int read_timeout_ms = 0) {
    WriteFile(dir.File("job.yaml"), OpsJob(samples, read_timeout_ms));
    std::string out, err;
    int code = RunToCompletion({kBin + "/codi", "submit", dir.File("job.yaml"), "--coordinator",
                                coordinator_address, "--job-id", "ops"},
                               60, &out, &err);
    return code == 0 ? out.substr(0, out.find('\n')) : "";
  }

  int Watch(const std::string& job) {
    return RunToCompletion(
        {kBin + "/codi", "watch", job, "--coordinator", coordinator_address, "--progress", "lines"},
        240, nullptr, nullptr);
  }
};

double QueryScalar(const std::string& prometheus, const std::string& promql) {
  httplib::Client client("http://" + prometheus);
  auto res = client.Get("/api/v1/query", httplib::Params{{"query", promql}}, httplib::Headers{});
  if (!res || res->status != 200) return -1;
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  if (j.is_discarded() || j["data"]["result"].empty()) return -1;
  return std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
}

bool HavePrometheus() {
  return std::filesystem::exists("/usr/bin/prometheus") &&
         std::filesystem::exists("/usr/bin/promtool");
}

TEST(Observability, PrometheusScrapesTheServiceAndItsAnswersMatchTheReport) {
  if (!HavePrometheus())
    GTEST_SKIP() << "prometheus is not installed (scripts/install-deps.sh installs it)";
  TempDir dir;
  Servers s{dir};
  ASSERT_TRUE(s.Start(2, {"--latency-ms", "20", "--fail-500", "0.05", "--fault-seed", "9"}));
  const int prom_port = FreePort();
  const std::string prom = "127.0.0.1:" + std::to_string(prom_port);
  std::string targets = "'" + s.coordinator_metrics + "'";
  for (const auto& w : s.worker_metrics) targets += ", '" + w + "'";
  WriteFile(dir.File("prometheus.yml"),
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            "scrape_configs:\n  - job_name: codi\n"
            "    static_configs: [{targets: [" +
                targets + "]}]\n");
  ChildProcess prometheus;
  ASSERT_TRUE(
      prometheus.Start({"/usr/bin/prometheus", "--config.file=" + dir.File("prometheus.yml"),
                        "--storage.tsdb.path=" + dir.File("tsdb"), "--web.listen-address=" + prom},
                       dir.File("prometheus.out"), dir.File("prometheus.err")));
  // Submit only once Prometheus has scraped all three targets, so that it
  // sees the job's traffic from its start (the job lasts a few seconds).
  const double targets_n = 1.0 + static_cast<double>(s.worker_metrics.size());
  double up = -1;
  for (int i = 0; i < 150 && up != targets_n; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    up = QueryScalar(prom, "sum(up)");
  }
  ASSERT_EQ(up, targets_n) << ReadFile(dir.File("prometheus.err")).substr(0, 2000);
  const std::string job = s.Submit(10);  // 500 conversations
  ASSERT_FALSE(job.empty());
  // While the job runs, Prometheus sees teacher traffic. The window is long
  // enough to hold two scrapes of a rising counter whenever this loop asks.
  double rate = -1;
  for (int i = 0; i < 100 && rate <= 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    rate = QueryScalar(prom, "sum(rate(codi_teacher_requests_total[30s]))");
  }
  EXPECT_GT(rate, 0) << ReadFile(dir.File("prometheus.err")).substr(0, 2000);
  ASSERT_EQ(s.Watch(job), 0);

  std::string report_out, err;
  ASSERT_EQ(RunToCompletion(
                {kBin + "/codi", "report", job, "--coordinator", s.coordinator_address, "--json"},
                60, &report_out, &err),
            0)
      << err;
  auto report = nlohmann::json::parse(report_out);
  const double done = report["conversations"]["done"].get<double>();
  const double calls = report["teacher"]["calls"].get<double>();
  ASSERT_EQ(done, 500);
  // Wait for a scrape after the end, then compare.
  double finished = -1, requests = -1;
  for (int i = 0; i < 50 && (finished != done || requests != calls); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    finished = QueryScalar(prom, "sum(codi_conversations_finished_total{outcome=\"done\"})");
    requests = QueryScalar(prom, "sum(codi_teacher_requests_total)");
  }
  EXPECT_EQ(finished, done);
  EXPECT_EQ(requests, calls) << "every HTTP attempt, retries of the injected 500s included";
  EXPECT_GT(QueryScalar(prom, "sum(codi_teacher_requests_total{outcome=\"http_5xx\"})"), 0);
  EXPECT_EQ(QueryScalar(prom, "sum(up)"), 3);

  // Every /metrics page is valid exposition text.
  std::vector<std::string> pages = {s.coordinator_metrics, "SIM"};
  for (const auto& w : s.worker_metrics) pages.push_back(w);
  for (const auto& address : pages) {
    const std::string text =
        address == "SIM" ? Get(s.sim_address, "/metrics") : Get(address, "/metrics");
    ASSERT_FALSE(text.empty()) << address;
    WriteFile(dir.File("page.txt"), text);
    std::string out, check_err;
    const int code =
        RunToCompletion({"/bin/sh", "-c", "promtool check metrics < " + dir.File("page.txt")}, 60,
                        &out, &check_err);
    EXPECT_EQ(code, 0) << address << ": " << out << check_err;
  }
  prometheus.Signal(SIGTERM);
  prometheus.Wait(30);
}

TEST(Observability, AWorkerGivenSigtermMidJobExitsZeroWithoutLosingOrRepeatingATurn) {
  TempDir dir;
  Servers s{dir};
  ASSERT_TRUE(s.Start(1, {"--latency-ms", "30"}));
  const std::string job = s.Submit(4);  // 200 conversations x 4 turns
  ASSERT_FALSE(job.empty());
  // Let it work a while, then ask it to stop.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (ReadLines(dir.File("requests.jsonl")).size() < 100 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  s.workers[0]->Signal(SIGTERM);
  EXPECT_EQ(s.workers[0]->Wait(60), 0) << ReadFile(dir.File("worker0.err"));
  const size_t at_stop = ReadLines(dir.File("requests.jsonl")).size();
  ASSERT_LT(at_stop, 800u) << "the job ended before the worker was stopped";
  // A new worker finishes the job.
  auto w = std::make_unique<ChildProcess>();
  ASSERT_TRUE(
      w->Start({kBin + "/codi-worker", "--coordinator", s.coordinator_address, "--teacher",
                "http://" + s.sim_address + "/v1", "--concurrency", "4", "--lease-wait-ms", "1000"},
               dir.File("worker-b.out"), dir.File("worker-b.err")));
  ASSERT_EQ(s.Watch(job), 0);
  std::string out, err;
  // --dedup off: every conversation counted (dedup is tested in dedup_test.cc).
  ASSERT_EQ(RunToCompletion({kBin + "/codi", "export", job, "--coordinator", s.coordinator_address,
                             "--out", dir.File("export"), "--dedup", "off"},
                            60, &out, &err),
            0)
      << err;
  int lines = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.File("export"))) {
    if (entry.path().extension() != ".jsonl") continue;  // README.md is the dataset card
    lines += static_cast<int>(ReadLines(entry.path().string()).size());
  }
  EXPECT_EQ(lines, 200);
  EXPECT_TRUE(std::filesystem::exists(dir.File("export/README.md")));
  // No turn was asked for twice: the stopped worker reported the turns it had
  // in flight and handed the rest back.
  const std::map<std::string, int> answered = AnsweredTurns(dir.File("requests.jsonl"));
  EXPECT_EQ(answered.size(), 800u);
  for (const auto& [key, n] : answered) EXPECT_EQ(n, 1) << key;
  w->Signal(SIGTERM);
  EXPECT_EQ(w->Wait(60), 0);
}

TEST(Observability, AWorkerPastItsShutdownDeadlineHandsItsConversationsBackAndExitsZero) {
  TempDir dir;
  Servers s{dir};
  // Every teacher call hangs for 30 s, far past the worker's 1 s deadline.
  ASSERT_TRUE(s.Start(1, {"--hang", "1", "--hang-ms", "30000"}, {"--shutdown-deadline-s", "1"}));
  ASSERT_FALSE(s.Submit(1, 60000).empty());
  double in_flight = -1;
  for (int i = 0; i < 100 && in_flight != 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    in_flight =
        SampleValue(Get(s.worker_metrics[0], "/metrics"), "codi_worker_in_flight_conversations");
  }
  ASSERT_EQ(in_flight, 4) << "the worker never had its four conversations in flight";
  const auto signalled = std::chrono::steady_clock::now();
  s.workers[0]->Signal(SIGTERM);
  EXPECT_EQ(s.workers[0]->Wait(20), 0) << ReadFile(dir.File("worker0.err"));
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - signalled).count();
  EXPECT_GE(waited, 1.0) << "the worker did not give its turns the deadline";
  EXPECT_LT(waited, 15.0) << "the worker waited for the hung calls instead of its deadline";
  EXPECT_NE(ReadFile(dir.File("worker0.err")).find("shutdown_deadline"), std::string::npos);
  // The coordinator has the four conversations back: none leased.
  const std::string leased = "codi_conversations{job=\"ops\",state=\"leased\"}";
  double value = -1;
  for (int i = 0; i < 50 && value != 0; ++i) {
    value = SampleValue(Get(s.coordinator_metrics, "/metrics"), leased);
    if (value != 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(value, 0) << Get(s.coordinator_metrics, "/metrics");
}

}  // namespace
}  // namespace codi::testing
