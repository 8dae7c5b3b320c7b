// `switchyard run` on the embedded default serves the merchant API over TLS with no set-up: the
// first start writes a self-signed development certificate where [tls] names it.
#pragma once

#include "config/config.h"

namespace sy::gateway::cli {

// When neither tls.certificate_path nor tls.key_path exists, writes a new P-256 key (mode 0600)
// and a self-signed certificate for localhost and 127.0.0.1, valid for a year, and says so on
// stderr. Leaves existing files alone. False after printing why when they cannot be written.
bool ensure_development_certificate(const config::tls_settings& tls);

}  // namespace sy::gateway::cli
