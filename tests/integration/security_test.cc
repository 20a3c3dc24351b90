// The coordinator's security as real processes on loopback: TLS and mutual
// TLS refuse what they must, every RPC is open to exactly its roles, the
// token file reloads on SIGHUP, documents stay inside --documents-root,
// uploads are bounded, and no token ever reaches a log.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/generic_call.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certs.h"

namespace codi {
namespace {

using codi::testing::ChildProcess;
using codi::testing::GenericUnaryCall;
using codi::testing::ReadFile;
using codi::testing::ReadLines;
using codi::testing::RunToCompletion;
using codi::testing::TempDir;
using codi::testing::TestCerts;
using codi::testing::WriteFile;

const std::string kBin = CODI_BIN_DIR;
const std::string kDocs = std::string(CODI_SOURCE_DIR) + "/examples/qa/docs.jsonl";

struct Token {
  std::string token, line;  // what `codi token new` prints
};

Token NewToken(const std::string& role, const std::string& name = "") {
  std::vector<std::string> argv = {kBin + "/codi", "token", "new", "--role", role};
  if (!name.empty()) argv.insert(argv.end(), {"--name", name});
  std::string out, err;
  EXPECT_EQ(RunToCompletion(argv, 30, &out, &err), 0) << err;
  const size_t newline = out.find('\n');
  return {out.substr(0, newline), out.substr(newline + 1)};
}

// A coordinator in `dir` with the given extra flags; its output in NAME.out/.err.
class Coordinator {
 public:
  Coordinator(const TempDir& dir, std::vector<std::string> extra, const std::string& name = "c")
      : dir_(dir), name_(name) {
    std::vector<std::string> argv = {kBin + "/codi-coordinator", "--listen", "127.0.0.1:0",
                                     "--state", dir.File(name + ".state")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    if (process_.Start(argv, dir.File(name + ".out"), dir.File(name + ".err"))) {
      address_ = process_.WaitForListenAddress(20);
    }
  }
  ~Coordinator() {
    if (process_.running()) {
      process_.Signal(SIGTERM);
      process_.Wait(30);
    }
  }
  const std::string& address() const { return address_; }
  std::string log() const { return ReadFile(dir_.File(name_ + ".err")); }
  ChildProcess& process() { return process_; }

 private:
  const TempDir& dir_;
  std::string name_;
  ChildProcess process_;
  std::string address_;
};

// `codi ARGS...` with `env` (NAME=VALUE) added; stdout and stderr together.
std::string Codi(std::vector<std::string> args, int* code,
                 const std::vector<std::string>& env = {}) {
  std::vector<std::string> argv = {"/usr/bin/env"};
  argv.insert(argv.end(), env.begin(), env.end());
  argv.push_back(kBin + "/codi");
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out, err;
  *code = RunToCompletion(argv, 60, &out, &err);
  return out + err;
}

std::shared_ptr<grpc::Channel> TlsChannel(const TestCerts& certs, const std::string& address,
                                          const std::string& token) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadFile(certs.ca);
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::SslCredentials(ssl);
  if (!token.empty()) {
    credentials =
        grpc::CompositeChannelCredentials(credentials, grpc::AccessTokenCredentials(token));
  }
  return grpc::CreateChannel(address, credentials);
}

class Security : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = codi::testing::MakeTestCerts(dir_);
    ASSERT_TRUE(certs_.error.empty()) << certs_.error;
  }
  std::vector<std::string> Tls() const {
    return {"--tls-cert", certs_.server_cert, "--tls-key", certs_.server_key};
  }

  TempDir dir_;
  TestCerts certs_;
};

TEST_F(Security, ATlsOnlyCoordinatorRefusesAPlainTextClient) {
  Coordinator c(dir_, Tls());
  ASSERT_FALSE(c.address().empty()) << c.log();
  int code = 0;
  std::string out = Codi({"status", "nojob", "--coordinator", c.address()}, &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("cannot reach the coordinator"), std::string::npos) << out;
  out = Codi({"status", "nojob", "--coordinator", c.address(), "--tls-ca", certs_.ca}, &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("unknown job nojob"), std::string::npos) << out;
  EXPECT_NE(c.log().find("level=warning event=no_authentication"), std::string::npos);
}

TEST_F(Security, MutualTlsRefusesAClientWithoutACertificate) {
  std::vector<std::string> flags = Tls();
  flags.insert(flags.end(), {"--tls-client-ca", certs_.ca});
  Coordinator c(dir_, flags);
  ASSERT_FALSE(c.address().empty()) << c.log();
  int code = 0;
  std::string out =
      Codi({"status", "nojob", "--coordinator", c.address(), "--tls-ca", certs_.ca}, &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("cannot reach the coordinator"), std::string::npos) << out;
  out = Codi({"status", "nojob", "--coordinator", c.address(), "--tls-ca", certs_.ca, "--tls-cert",
              certs_.client_cert, "--tls-key", certs_.client_key},
             &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("unknown job nojob"), std::string::npos) << out;
}

TEST_F(Security, PlainTextAndMissingCertificateFilesAreSaidClearly) {
  Coordinator plain(dir_, {}, "plain");
  ASSERT_FALSE(plain.address().empty()) << plain.log();
  EXPECT_NE(plain.log().find("level=warning event=plaintext_grpc"), std::string::npos);
  std::string out, err;
  EXPECT_EQ(RunToCompletion({kBin + "/codi-coordinator", "--state", dir_.File("s2"), "--tls-cert",
                             dir_.File("missing.crt"), "--tls-key", certs_.server_key},
                            30, &out, &err),
            2);
  EXPECT_NE(err.find("cannot read --tls-cert " + dir_.File("missing.crt")), std::string::npos)
      << err;
  EXPECT_EQ(
      RunToCompletion({kBin + "/codi-worker", "--tls-ca", dir_.File("nope.pem")}, 30, &out, &err),
      2);
  EXPECT_NE(err.find("cannot read --tls-ca " + dir_.File("nope.pem")), std::string::npos) << err;
  // Tokens need TLS: they would cross the network in the clear.
  EXPECT_EQ(RunToCompletion({"/usr/bin/env", "CODI_TOKEN=abc", kBin + "/codi", "status", "j",
                             "--coordinator", plain.address()},
                            30, &out, &err),
            2);
  EXPECT_NE(err.find("needs --tls-ca"), std::string::npos) << err;
}

TEST_F(Security, EveryRpcIsOpenToExactlyItsRolesAndNoTokenIsEverLogged) {
  std::map<std::string, Token> tokens;
  std::string file = "# roles for the test\n";
  for (const std::string role : {"admin", "client", "reader", "worker"}) {
    tokens[role] = NewToken(role, role + "-holder");
    file += tokens[role].line + "\n";
  }
  WriteFile(dir_.File("tokens"), file);
  std::vector<std::string> flags = Tls();
  flags.insert(flags.end(), {"--auth-tokens", dir_.File("tokens")});
  Coordinator c(dir_, flags);
  ASSERT_FALSE(c.address().empty()) << c.log();

  // The specification, independent of the server's table.
  const std::set<std::string> reader = {"admin", "client", "reader"};
  const std::set<std::string> client = {"admin", "client"};
  const std::set<std::string> worker = {"admin", "worker"};
  const std::map<std::string, std::set<std::string>> allowed = {
      {"/codi.v1.CoordinatorService/SubmitJob", client},
      {"/codi.v1.CoordinatorService/SubmitJobWithDocuments", client},
      {"/codi.v1.CoordinatorService/CancelJob", client},
      {"/codi.v1.CoordinatorService/GetJob", reader},
      {"/codi.v1.CoordinatorService/ListJobs", reader},
      {"/codi.v1.CoordinatorService/WatchJob", reader},
      {"/codi.v1.CoordinatorService/StreamConversations", reader},
      {"/codi.v1.CoordinatorService/GetReport", reader},
      {"/codi.v1.WorkService/Lease", worker},
      {"/codi.v1.WorkService/ReportTurn", worker},
      {"/codi.v1.WorkService/Finish", worker},
      {"/codi.v1.WorkService/Report", worker},
      {"/codi.v1.WorkService/Release", worker},
      {"/codi.v1.WorkService/Heartbeat", worker},
      {"/codi.v1.WorkService/GetJobSpec", {"admin", "client", "reader", "worker"}},
  };
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels;
  for (const auto& [role, token] : tokens)
    channels[role] = TlsChannel(certs_, c.address(), token.token);
  auto anonymous = TlsChannel(certs_, c.address(), "");
  auto stranger = TlsChannel(certs_, c.address(), std::string(64, 'f'));
  for (const auto& [method, roles] : allowed) {
    for (const auto& [role, channel] : channels) {
      const grpc::Status status = GenericUnaryCall(channel, method, "");
      if (roles.count(role)) {
        EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << role << " " << method;
        EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << role << " " << method << ": " << status.error_message();
        EXPECT_NE(status.error_code(), grpc::StatusCode::UNAVAILABLE) << role << " " << method;
      } else {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << role << " " << method << ": " << status.error_message();
      }
    }
    EXPECT_EQ(GenericUnaryCall(anonymous, method, "").error_code(),
              grpc::StatusCode::UNAUTHENTICATED)
        << method;
    EXPECT_EQ(GenericUnaryCall(stranger, method, "").error_code(),
              grpc::StatusCode::UNAUTHENTICATED)
        << method;
  }
  // The health service stays open.
  EXPECT_TRUE(GenericUnaryCall(anonymous, "/grpc.health.v1.Health/Check", "").ok());

  // The CLI sends its token from CODI_TOKEN or --token-file.
  int code = 0;
  std::string out = Codi({"status", "nojob", "--coordinator", c.address(), "--tls-ca", certs_.ca},
                         &code, {"CODI_TOKEN=" + tokens["reader"].token});
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("unknown job nojob"), std::string::npos) << out;
  WriteFile(dir_.File("reader.token"), tokens["reader"].token + "\n");
  out = Codi({"cancel", "nojob", "--coordinator", c.address(), "--tls-ca", certs_.ca,
              "--token-file", dir_.File("reader.token")},
             &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("role reader may not call /codi.v1.CoordinatorService/CancelJob"),
            std::string::npos)
      << out;

  // SIGHUP: a new token works after the reload; a bad file keeps the old table.
  const Token late = NewToken("reader");
  WriteFile(dir_.File("tokens"), file + late.line + "\n");
  c.process().Signal(SIGHUP);
  auto late_channel = TlsChannel(certs_, c.address(), late.token);
  grpc::Status late_status;
  for (int i = 0; i < 50; ++i) {
    late_status = GenericUnaryCall(late_channel, "/codi.v1.CoordinatorService/ListJobs", "");
    if (late_status.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(late_status.ok()) << late_status.error_message();
  WriteFile(dir_.File("tokens"), "reader not-a-digest\n");
  c.process().Signal(SIGHUP);
  for (int i = 0; i < 50 && c.log().find("auth_tokens_reload_failed") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(c.log().find("error=\"" + dir_.File("tokens") + ":1: the second field"),
            std::string::npos)
      << c.log();
  EXPECT_TRUE(GenericUnaryCall(late_channel, "/codi.v1.CoordinatorService/ListJobs", "").ok());

  // No token in any output of any process of this test.
  const std::string all = codi::testing::ReadProcessOutputs(dir_.path());
  ASSERT_FALSE(all.empty());
  for (const auto& [role, token] : tokens) {
    EXPECT_EQ(all.find(token.token), std::string::npos) << role << "'s token was logged";
  }
  EXPECT_EQ(all.find(late.token), std::string::npos);
}

TEST_F(Security, ABadTokenFileStopsTheCoordinatorNamingFileAndLine) {
  WriteFile(dir_.File("tokens"), "# ok\nadmin " + std::string(64, 'a') + "\nroot abc\n");
  std::vector<std::string> argv = {kBin + "/codi-coordinator", "--state", dir_.File("s"),
                                   "--auth-tokens", dir_.File("tokens")};
  const auto tls = Tls();
  argv.insert(argv.end(), tls.begin(), tls.end());
  std::string out, err;
  EXPECT_EQ(RunToCompletion(argv, 30, &out, &err), 2);
  EXPECT_NE(err.find(dir_.File("tokens") + ":3: unknown role 'root'"), std::string::npos) << err;
}

TEST_F(Security, DocumentsOutsideTheRootAndSymlinksLeadingOutAreRefused) {
  namespace fs = std::filesystem;
  fs::create_directories(dir_.File("root/sub"));
  fs::copy_file(kDocs, dir_.File("root/sub/docs.jsonl"));
  fs::copy_file(kDocs, dir_.File("secret.jsonl"));
  fs::create_symlink(dir_.File("secret.jsonl"), dir_.File("root/link.jsonl"));
  std::vector<std::string> flags = {"--documents-root", dir_.File("root"), "--max-upload-bytes",
                                    "1000"};
  Coordinator c(dir_, flags);
  ASSERT_FALSE(c.address().empty()) << c.log();
  const auto submit = [&](const std::string& path, const std::string& id,
                          std::vector<std::string> extra, int* code) {
    WriteFile(dir_.File(id + ".yaml"), "name: t\ndocuments:\n  path: " + path +
                                           "\ngraph:\n  start: {ask: 1}\n  length: {n: 2}\n"
                                           "  links:\n    - {name: ask, role: USER, instruction: "
                                           "Ask., next: {ask: 1}}\nteacher:\n  endpoints: "
                                           "[\"http://127.0.0.1:9/v1\"]\n");
    std::vector<std::string> args = {
        "submit", dir_.File(id + ".yaml"), "--coordinator", c.address(), "--job-id", id};
    args.insert(args.end(), extra.begin(), extra.end());
    return Codi(args, code);
  };
  int code = 0;
  std::string out = submit(dir_.File("secret.jsonl"), "outside", {}, &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("documents path " + dir_.File("secret.jsonl") +
                     " is outside --documents-root " + dir_.File("root")),
            std::string::npos)
      << out;
  out = submit(dir_.File("root/link.jsonl"), "link", {}, &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("is outside --documents-root"), std::string::npos) << out;
  out = submit(dir_.File("root/sub/../../secret.jsonl"), "dots", {}, &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("is outside --documents-root"), std::string::npos) << out;
  out = submit(dir_.File("root/sub/docs.jsonl"), "inside", {}, &code);
  EXPECT_EQ(code, 0) << out;

  // An upload over --max-upload-bytes is refused and leaves no file behind.
  out = submit("ignored.jsonl", "big", {"--docs", kDocs}, &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("--max-upload-bytes 1000"), std::string::npos) << out;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::string uploads = dir_.File("c.state/uploads");
  if (fs::exists(uploads)) {
    EXPECT_TRUE(fs::is_empty(uploads));
  }
}

TEST_F(Security, RequestsBeyondTheLimitsAreRefusedAndOthersGoOn) {
  Coordinator c(dir_, {"--max-jobs", "1", "--max-watches", "1", "--max-spec-bytes", "2000"});
  ASSERT_FALSE(c.address().empty()) << c.log();
  const std::string job = "name: t\ndocuments:\n  path: " + kDocs +
                          "\ngraph:\n  start: {ask: 1}\n  length: {n: 2}\n  links:\n    - {name: "
                          "ask, role: USER, instruction: Ask., next: {ask: 1}}\nteacher:\n  "
                          "endpoints: [\"http://127.0.0.1:9/v1\"]\n";
  WriteFile(dir_.File("job.yaml"), job);
  int code = 0;
  std::string out = Codi(
      {"submit", dir_.File("job.yaml"), "--coordinator", c.address(), "--job-id", "one"}, &code);
  ASSERT_EQ(code, 0) << out;
  out = Codi({"submit", dir_.File("job.yaml"), "--coordinator", c.address(), "--job-id", "two"},
             &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("the most --max-jobs allows"), std::string::npos) << out;
  // The running job is unaffected; resubmitting it (a resume) is no new job.
  out = Codi({"submit", dir_.File("job.yaml"), "--coordinator", c.address(), "--job-id", "one"},
             &code);
  EXPECT_EQ(code, 0) << out;

  std::string big = job;
  big.replace(big.find("Ask."), 4, std::string(3000, 'x') + ".");
  WriteFile(dir_.File("big.yaml"), big);
  out = Codi({"submit", dir_.File("big.yaml"), "--coordinator", c.address(), "--job-id", "big"},
             &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("over the limit of 2000 (--max-spec-bytes)"), std::string::npos) << out;

  // A message over --max-message-bytes is refused by gRPC itself.
  Coordinator small(dir_, {"--max-message-bytes", "1024"}, "small");
  ASSERT_FALSE(small.address().empty()) << small.log();
  out = Codi({"submit", dir_.File("big.yaml"), "--coordinator", small.address(), "--job-id", "big"},
             &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("Received message larger than max"), std::string::npos) << out;

  ChildProcess watch;
  ASSERT_TRUE(watch.Start({kBin + "/codi", "watch", "one", "--coordinator", c.address(),
                           "--progress", "lines", "--interval-ms", "200"},
                          dir_.File("watch.out"), dir_.File("watch.err")));
  // The first watch holds the one slot once it has printed a line.
  for (int i = 0; i < 100 && ReadFile(dir_.File("watch.out")).empty() &&
                  ReadFile(dir_.File("watch.err")).empty();
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  out = Codi({"watch", "one", "--coordinator", c.address(), "--progress", "lines"}, &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("the most --max-watches allows"), std::string::npos) << out;
  out = Codi({"status", "one", "--coordinator", c.address()}, &code);
  EXPECT_EQ(code, 0) << out;
  watch.Signal(SIGKILL);
  watch.Wait(10);
}

}  // namespace
}  // namespace codi
