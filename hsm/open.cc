// Backend selection from the configuration, and the start-up key check.
#include "hsm/open.h"

#include "hsm/errc.h"
#include "hsm/pkcs11_backend.h"
#include "hsm/soft_backend.h"

namespace sy::hsm {

result<std::unique_ptr<backend>> open_backend(const config::hsm_settings& settings) {
  if (settings.backend == config::hsm_backend::soft) {
    auto b = soft_backend::open(settings.soft.key_store_path, settings.soft.master_key.value());
    if (!b) return b.error();
    return std::unique_ptr<backend>(std::move(*b));
  }
  auto b = pkcs11_backend::open(settings.pkcs11);
  if (!b) return b.error();
  return std::unique_ptr<backend>(std::move(*b));
}

std::vector<key_requirement> required_keys(const config::config& c) {
  std::vector<key_requirement> out{{c.hsm.pan_token_key, key_type::pan_token, "hsm pan_token_key"},
                                   {c.hsm.pan_data_key, key_type::pan_data, "hsm pan_data_key"}};
  for (const auto& ch : c.channels) {
    if (ch.mac_key) {
      out.push_back({*ch.mac_key, key_type::tak, "channel \"" + ch.id + "\" mac_key"});
    }
    if (!ch.signing_key.empty()) {
      out.push_back(
          {ch.signing_key, key_type::api_secret, "channel \"" + ch.id + "\" signing_key"});
    }
  }
  if (c.clearing.signing_key) {
    out.push_back({*c.clearing.signing_key, key_type::file_signing, "clearing signing_key"});
  }
  return out;
}

std::vector<std::string> unmet_requirements(backend& hsm,
                                            std::span<const key_requirement> requirements) {
  std::vector<std::string> out;
  for (const auto& r : requirements) {
    auto info = hsm.describe({r.name, 0});
    std::string problem;
    if (!info) {
      problem = info.error().message();
    } else if (info->type != r.type) {
      problem = "is a " + std::string(to_string(info->type)) + " key";
    } else {
      continue;
    }
    out.push_back("key \"" + r.name + "\" (" + std::string(to_string(r.type)) + ", " + r.used_by +
                  "): " + problem);
  }
  return out;
}

}  // namespace sy::hsm
