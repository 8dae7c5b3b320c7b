// The running channels and their replacement on a reload.
#include "gateway/channel_registry.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <latch>
#include <utility>

#include "config/assert.h"
#include "config/redact.h"

namespace sy::gateway {

struct channel_registry::held {
  std::shared_ptr<channel_slot> slot;
  bool current = false;   // listed by the latest generation
  bool started = false;   // a bank link whose start() succeeded
  bool stopping = false;  // a bank link asked to stop: it takes no more reversals
  bool draining_logged = false;
  std::shared_ptr<std::atomic<bool>> closed = std::make_shared<std::atomic<bool>>(false);

  // A running bank link of `channel_id`: the one its reversals go to.
  bool runs_link_of(std::string_view channel_id) const {
    return slot->bank && started && !stopping && slot->settings.id == channel_id;
  }
};

namespace {

// The link's totals as one JSON log line, so an operator (and a test) sees what a run did.
void print_link_totals(const routing::io::bank_link& link) {
  const auto m = link.metrics();
  std::string line =
      "{\"level\":\"info\",\"component\":\"link\",\"event\":\"stopped\","
      "\"channel\":\"" +
      link.channel().id + "\",\"requests\":{";
  for (std::size_t i = 0; i < m.requests.size(); ++i) {
    line += (i == 0 ? "\"" : ",\"") + std::string(routing::io::request_mtis[i]) +
            "\":" + std::to_string(m.requests[i]);
  }
  // Responses that did not read as responses, a bad MAC included: what a key mismatch shows.
  line += "},\"malformed\":" + std::to_string(m.malformed) +
          ",\"reconnects\":" + std::to_string(m.reconnects) +
          ",\"timeouts\":" + std::to_string(m.timeouts) +
          ",\"reversals_sent\":" + std::to_string(m.reversals_sent) +
          ",\"reversals_acknowledged\":" + std::to_string(m.reversals_acknowledged) +
          ",\"reversals_pending\":" + std::to_string(m.reversals_pending) + "}\n";
  std::fputs(line.c_str(), stderr);
}

void log_channel(std::string_view level, std::string_view event, std::string_view channel,
                 std::string_view detail) {
  std::string line = "{\"level\":\"";
  line.append(level).append("\",\"component\":\"channels\",\"event\":\"").append(event);
  line.append("\",\"channel\":\"").append(channel).append("\",\"detail\":\"");
  append_log_text(line, detail);
  line += "\"}\n";
  std::fputs(line.c_str(), stderr);
}

}  // namespace

channel_registry::channel_registry(channel_services services) : services_(std::move(services)) {
  SY_VERIFY(!services_.contexts.empty());
}

channel_registry::~channel_registry() {
  stop();
}

result<std::shared_ptr<channel_slot>> channel_registry::make(
    const config::config& cfg, const config::channel& settings) const {
  auto slot = std::make_shared<channel_slot>();
  slot->settings = settings;
  slot->health = std::make_shared<routing::channel_health>();
  if (settings.kind == config::channel_kind::http) {
    auto made = routing::http::http_channel::create(*services_.contexts[0], settings,
                                                    *services_.hsm, slot->health.get());
    if (!made) return made.error();
    slot->wallet = std::move(*made);
    return slot;
  }
  routing::io::link_services link{services_.store,      services_.writer,   services_.hsm,
                                  cfg.hsm.pan_data_key, slot->health.get(), {}};
  auto options = services_.link_options;
  options.reversal = {std::chrono::milliseconds{settings.reversal_retry_base_ms},
                      std::chrono::milliseconds{settings.reversal_retry_max_ms}};
  slot->bank = std::make_unique<routing::io::bank_link>(settings, services_.contexts,
                                                        std::move(link), std::move(options));
  if (auto prepared = slot->bank->prepare(); !prepared) return prepared.error();
  return slot;
}

result<channel_generation, channel_failure> channel_registry::start(
    const config::config& cfg, std::chrono::year_month_day business_date) {
  channel_changes changes;
  auto started = change(cfg, business_date, changes);
  if (started && !changes.not_started.empty()) return changes.not_started.front();
  return started;
}

result<channel_generation, channel_failure> channel_registry::change(
    const config::config& next, std::chrono::year_month_day business_date,
    channel_changes& changes) {
  // First everything that can fail, while nothing has changed yet.
  std::vector<std::shared_ptr<channel_slot>> slots(next.channels.size());
  std::vector<std::size_t> new_links;
  for (std::size_t i = 0; i < next.channels.size(); ++i) {
    const auto& settings = next.channels[i];
    const auto same_id = [&settings](const std::unique_ptr<held>& h) {
      return h->current && h->slot->settings.id == settings.id;
    };
    const auto running = std::find_if(held_.begin(), held_.end(), same_id);
    if (running != held_.end() && (*running)->slot->settings == settings) {
      slots[i] = (*running)->slot;
      continue;
    }
    auto made = make(next, settings);
    if (!made) return channel_failure{settings.id, channel_failure::stage::made, made.error()};
    slots[i] = std::move(*made);
    if (slots[i]->bank) new_links.push_back(i);
    (running == held_.end() ? changes.added : changes.changed).push_back(settings.id);
  }
  for (const auto& h : held_) {
    const auto& id = h->slot->settings.id;
    const bool kept = std::any_of(next.channels.begin(), next.channels.end(),
                                  [&id](const config::channel& c) { return c.id == id; });
    if (h->current && !kept) changes.removed.push_back(id);
  }

  for (const auto i : new_links) {
    replace_link(next, slots[i], business_date, changes);
  }

  const std::lock_guard lock(mutex_);
  for (auto& h : held_) h->current = false;
  for (const auto& slot : slots) {
    const auto it =
        std::find_if(held_.begin(), held_.end(),
                     [&slot](const std::unique_ptr<held>& h) { return h->slot == slot; });
    if (it != held_.end()) {
      (*it)->current = true;
      continue;
    }
    auto h = std::make_unique<held>();
    h->slot = slot;
    h->current = true;
    h->started =
        slot->bank != nullptr &&
        std::none_of(changes.not_started.begin(), changes.not_started.end(),
                     [&slot](const channel_failure& f) { return f.channel == slot->settings.id; });
    held_.push_back(std::move(h));
  }
  return generation_of(next, slots);
}

void channel_registry::replace_link(const config::config& next, std::shared_ptr<channel_slot>& slot,
                                    std::chrono::year_month_day business_date,
                                    channel_changes& changes) {
  const std::string channel_id = slot->settings.id;
  std::vector<held*> old;
  {
    const std::lock_guard lock(mutex_);
    switching_.emplace_back(channel_id, std::vector<clearing::open_request>{});
    for (auto& h : held_) {
      if (h->runs_link_of(channel_id)) {
        h->stopping = true;
        old.push_back(h.get());
      }
    }
  }
  // Signed off and closed: its outstanding requests have ended as timed out, and the reversals
  // they commit reach this channel's new link through add_reversal (held in switching_ until it
  // has started) or, committed before it starts, through the book it reads at start().
  stop_and_wait(old);
  auto started = slot->bank->start(business_date);
  if (!started && !old.empty()) {
    changes.kept_previous.push_back({channel_id, channel_failure::stage::started, started.error()});
    auto previous = make(next, old.front()->slot->settings);
    if (previous) {
      started = (*previous)->bank->start(business_date);
      if (started) slot = std::move(*previous);
    } else {
      started = previous.error();
    }
  }
  if (!started) {
    changes.not_started.push_back({channel_id, channel_failure::stage::started, started.error()});
  }

  const std::lock_guard lock(mutex_);
  const auto it = std::find_if(switching_.begin(), switching_.end(),
                               [&channel_id](const auto& s) { return s.first == channel_id; });
  auto waiting = std::move(it->second);
  switching_.erase(it);
  if (!started) return;
  for (auto& due : waiting) slot->bank->add_reversal(std::move(due));
}

channel_generation channel_registry::generation_of(
    const config::config& cfg, const std::vector<std::shared_ptr<channel_slot>>& slots) {
  channel_generation g;
  std::vector<std::shared_ptr<routing::channel_health>> entries;
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    entries.push_back(slots[i]->health);
    ids.push_back(cfg.channels[i].id);
    g.banks.push_back(slots[i]->bank.get());
    g.wallets.push_back(slots[i]->wallet.get());
  }
  g.slots = slots;
  g.health = routing::health_board(std::move(entries), std::move(ids));
  return g;
}

void channel_registry::add_reversal(const std::string& channel_id, clearing::open_request due) {
  const std::lock_guard lock(mutex_);
  for (auto& [id, waiting] : switching_) {
    if (id == channel_id) return waiting.push_back(std::move(due));
  }
  for (const auto& h : held_) {
    if (h->runs_link_of(channel_id)) return h->slot->bank->add_reversal(std::move(due));
  }
  // No link runs the channel (it failed to start): the book keeps the reversal for the next start.
}

void channel_registry::sweep() {
  std::vector<std::unique_ptr<held>> ended;
  {
    const std::lock_guard lock(mutex_);
    for (auto& h : held_) {
      // Only the registry and no configuration holds it: nobody can reach it any more.
      if (h->current || h->slot.use_count() > 1) continue;
      if (h->slot->wallet) {
        h->slot->wallet->stop();
        ended.push_back(std::move(h));
        continue;
      }
      if (h->closed->load()) {
        ended.push_back(std::move(h));
        continue;
      }
      if (h->stopping) continue;
      const auto pending = h->slot->bank->metrics().reversals_pending;
      if (h->started && pending > 0) {
        if (!std::exchange(h->draining_logged, true)) {
          log_channel("info", "draining", h->slot->settings.id,
                      "removed from the configuration; runs until its " + std::to_string(pending) +
                          " pending reversal(s) are acknowledged");
        }
        continue;
      }
      h->stopping = true;
      h->slot->bank->stop([closed = h->closed] { closed->store(true); });
    }
    std::erase(held_, nullptr);
  }
  // Destroyed here, on the reload thread, never inside one of the link's own callbacks.
  for (const auto& h : ended) {
    if (h->slot->bank) print_link_totals(*h->slot->bank);
  }
}

void channel_registry::visit_links(
    const std::function<void(const routing::io::bank_link&)>& visit) const {
  const std::lock_guard lock(mutex_);
  for (const auto& h : held_) {
    if (h->slot->bank && h->started && !h->closed->load()) visit(*h->slot->bank);
  }
}

void channel_registry::stop() {
  std::vector<held*> links;
  {
    const std::lock_guard lock(mutex_);
    if (std::exchange(stopped_, true)) return;
    for (auto& h : held_) {
      if (h->slot->bank && !h->closed->load()) {
        h->stopping = true;
        links.push_back(h.get());
      }
    }
  }
  stop_and_wait(links);
  for (const auto& h : held_) {
    if (h->slot->wallet) h->slot->wallet->stop();
    // Those a reload stopped too, if no sweep has ended them yet.
    if (h->slot->bank && h->started) print_link_totals(*h->slot->bank);
  }
}

void channel_registry::stop_and_wait(const std::vector<held*>& links) {
  std::latch closed(static_cast<std::ptrdiff_t>(links.size()));
  for (auto* h : links) {
    h->slot->bank->stop([&closed, flag = h->closed] {
      flag->store(true);
      closed.count_down();
    });
  }
  closed.wait();
}

}  // namespace sy::gateway
