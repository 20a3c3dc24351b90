// Certificates for TLS tests, made at test time with the `openssl` command in
// a temp directory: a CA, a server certificate for 127.0.0.1 and localhost,
// and a client certificate, all signed by the CA.
#pragma once

#include <string>

#include "tests/support/temp_dir.h"

namespace codi::testing {

struct TestCerts {
  std::string ca;                       // ca.crt
  std::string server_cert, server_key;  // server.crt, server.key
  std::string client_cert, client_key;  // client.crt, client.key
  std::string error;                    // set when openssl failed
};

// Writes the files into `dir`; `error` says what failed.
TestCerts MakeTestCerts(const TempDir& dir);

}  // namespace codi::testing
