#include "tests/support/test_certs.h"

#include <vector>

#include "tests/support/child_process.h"

namespace codi::testing {
namespace {

// Runs openssl; false with `error` set on failure.
bool OpenSsl(const std::vector<std::string>& args, std::string* error) {
  // Found on PATH through env: the children are spawned without a PATH search.
  std::vector<std::string> argv = {"/usr/bin/env", "openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out, err;
  if (RunToCompletion(argv, 60, &out, &err) == 0) return true;
  *error = "openssl " + args[0] + " failed: " + err;
  return false;
}

// A key and a certificate for `cn`, signed by the CA, with `extensions` (an
// openssl extfile's text).
bool Issue(const TempDir& dir, const std::string& name, const std::string& cn,
           const std::string& extensions, std::string* error) {
  WriteFile(dir.File(name + ".ext"), extensions);
  return OpenSsl({"req", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.File(name + ".key"),
                  "-out", dir.File(name + ".csr"), "-subj", "/CN=" + cn},
                 error) &&
         OpenSsl({"x509", "-req", "-in", dir.File(name + ".csr"), "-CA", dir.File("ca.crt"),
                  "-CAkey", dir.File("ca.key"), "-CAcreateserial", "-out", dir.File(name + ".crt"),
                  "-days", "2", "-extfile", dir.File(name + ".ext")},
                 error);
}

}  // namespace

TestCerts MakeTestCerts(const TempDir& dir) {
  TestCerts certs;
  if (!OpenSsl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.File("ca.key"),
                "-out", dir.File("ca.crt"), "-days", "2", "-subj", "/CN=codi test CA"},
               &certs.error) ||
      !Issue(dir, "server", "localhost",
             "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
             &certs.error) ||
      !Issue(dir, "client", "codi-test-client", "extendedKeyUsage=clientAuth\n", &certs.error)) {
    return certs;
  }
  certs.ca = dir.File("ca.crt");
  certs.server_cert = dir.File("server.crt");
  certs.server_key = dir.File("server.key");
  certs.client_cert = dir.File("client.crt");
  certs.client_key = dir.File("client.key");
  return certs;
}

}  // namespace codi::testing
