#!/usr/bin/env bash
# Negative controls: every checker must be able to fail. Each line below seeds ONE protocol
# bug (a `cfg(portalis_seeded_bug = "<name>")` branch in the library, compiled only in model
# builds: see primitives/build.rs) and runs the model that claims to catch it. The script
# FAILS when a model passes on its seeded bug (or when the seeded build does not compile), and
# prints one line per control. (One name may break two redundant steps together where each
# alone is masked by the other: `async_mutex_cancel_swallows_wake`, ADR 092.)
set -euo pipefail
cd "$(dirname "$0")/../.."
# A `loom_*` file runs with --cfg portalis_loom (the sync shim becomes loom), a `shuttle_*` file
# with --cfg portalis_shuttle; each in the same target dir as loom.sh / shuttle.sh, so only the
# workspace crates rebuild per control (build.rs reruns when PORTALIS_SEEDED_BUG changes).
checker_env() {
  case $1 in
    loom_*) export RUSTFLAGS="--cfg portalis_loom" CARGO_TARGET_DIR=target/loom ;;
    shuttle_*) export RUSTFLAGS="--cfg portalis_shuttle" CARGO_TARGET_DIR=target/shuttle ;;
    *) echo "controls.sh: $1 is neither a loom_ nor a shuttle_ file" >&2; exit 2 ;;
  esac
}
# Every model sets its own preemption bound (see loom.sh); shuttle scenarios their seed.
unset LOOM_MAX_PREEMPTIONS

# bug | package (portalis-<name>) | test file | model (exact test name)
CONTROLS="
semaphore_relaxed_release        verify  loom_semaphore           loom_hb_semaphore_release_acquire
semaphore_relaxed_release        verify  loom_semaphore           loom_hb_semaphore_release_many_spawned_acquirer
semaphore_wake_one_always        verify  loom_semaphore           loom_claim_semaphore_small_waiter_not_stranded
semaphore_wake_one_always        verify  loom_semaphore           loom_claim_semaphore_small_waiter_on_main
join_result_after_latch          verify  loom_join                loom_join_stolen_result_published
frame_latch_bound_late           verify  loom_join                loom_join_stolen_result_published
event_relaxed_set                verify  loom_event               loom_hb_event_set_wait
event_clear_store                verify  loom_event               loom_claim_event_clear_then_set_wakes_sleeper
event_clear_store                verify  loom_event               loom_claim_event_clear_then_set_wakes_main_sleeper
latch_relaxed_count_down         verify  loom_latch               loom_hb_latch_count_down_wait
oneshot_relaxed_send             verify  loom_oneshot             loom_hb_oneshot_send_recv
oneshot_relaxed_send             verify  loom_oneshot             loom_hb_oneshot_spawned_receiver
ring_relaxed_stamp               verify  loom_channel_ring        loom_channel_ring_handoff
ring_relaxed_stamp               verify  loom_channel_ring        loom_hb_channel_ring
parked_check_outside_lock        verify  loom_parked              loom_parked_wake_one_spawned_waiter
parked_check_outside_lock        verify  loom_parked              loom_parked_wake_one_main_waiter
parked_timeout_keeps_node        verify  loom_parked              loom_parked_timeout_leaves_no_node
mutex_fair_unlock_frees          verify  loom_mutex               loom_mutex_fair_handoff_reaches_sleeper
mutex_newcomer_claims_handoff    verify  loom_mutex               loom_mutex_fair_handoff_reaches_sleeper
mutex_timeout_drops_handoff      verify  loom_mutex               loom_mutex_fair_handoff_vs_timeout
barrier_wake_checks_new_epoch    verify  loom_barrier             loom_barrier_abort_breaks_waiter
barrier_wake_checks_new_epoch    verify  loom_barrier             loom_hb_barrier_exchange
barrier_enter_skips_drain        verify  loom_barrier             loom_barrier_generation_reuse
broadcast_seen_after_unlock      verify  loom_broadcast           loom_hb_broadcast_send_recv
broadcast_seen_after_unlock      verify  loom_broadcast           loom_claim_broadcast_every_receiver_sees_every_message
waiter_relaxed_complete          verify  loom_channel_rendezvous  loom_hb_channel_rendezvous
waiter_relaxed_complete          verify  loom_channel_rendezvous  loom_channel_rendezvous_pairing
list_relaxed_written             verify  loom_channel_list        loom_hb_channel_list
list_relaxed_written             verify  loom_channel_list        loom_channel_list_handoff
model_clock_max_is_finite        verify  loom_cell                loom_shared_state_change_is_seen
scope_counter_relaxed_release    verify  loom_join                loom_join_scope_counter
rwlock_recursive_honours_writer  verify  loom_rwlock              loom_claim_rwlock_read_recursive_passes_waiting_writer
rwlock_recursive_honours_writer  verify  loom_rwlock              loom_claim_rwlock_read_recursive_passes_waiting_writer_main
rwlock_timeout_takes_held_lock   verify  loom_rwlock              loom_claim_rwlock_timed_out_writer_strands_nobody
rwlock_timeout_keeps_writer_bit  verify  loom_rwlock              loom_claim_rwlock_timed_out_writer_lets_readers_in
rwlock_timeout_skips_reader_wake verify  loom_rwlock              loom_claim_rwlock_timed_out_writer_lets_readers_in
rwlock_timeout_skips_writer_wake verify  loom_rwlock              loom_claim_rwlock_timed_out_writer_passes_wake_on
rwlock_async_cancel_keeps_writer_bit verify loom_async          loom_async_rwlock_cancelled_writer_lets_readers_in
condvar_timeout_ignores_pop      verify  loom_condvar             loom_claim_condvar_notify_races_timeout
condvar_timeout_ignores_pop      verify  loom_condvar             loom_claim_condvar_notify_races_timeout_main_waiter
condvar_notify_lifo              verify  loom_condvar             loom_claim_condvar_notify_one_is_fifo
latch_wake_one                   verify  loom_latch               loom_claim_latch_count_down_wakes_every_waiter
once_relaxed_complete            verify  loom_once                loom_claim_once_callers_see_the_run
future_cancel_two_phase          verify  loom_future              loom_future_cancel_races_set_result
select_try_single_pass         verify  loom_select        loom_select_try_linearizable_ring
select_try_single_pass         verify  loom_select        loom_select_try_linearizable_list
select_try_single_pass         verify  loom_select        loom_select_try_linearizable_queue
select_try_single_pass         verify  loom_select        loom_select_try_ready_linearizable_queue
async_wake_skips_fence         verify  loom_async         loom_async_wait_future_sees_store_or_wake
async_wake_skips_fence         verify  loom_async         loom_async_mutex_lock_async_is_woken_by_unlock
async_wake_skips_fence         verify  loom_async         loom_async_semaphore_acquire_async_is_woken_by_release
async_cancel_drops_wake        verify  loom_async         loom_async_cancelled_future_passes_wake_on
async_cancel_drops_wake        verify  loom_async         loom_async_semaphore_cancelled_acquirer_passes_permit_on
async_cancel_drops_wake        verify  loom_async         loom_async_rwlock_cancelled_writer_does_not_strand_writer
mutex_async_cancel_keeps_sleeper   verify  loom_async     loom_async_mutex_cancel_after_fair_handoff
channel_async_cancel_drops_notice  verify  loom_async     loom_async_channel_cancelled_recv_passes_notice_on
rendezvous_async_send_skips_notify  verify  loom_async  loom_async_rendezvous_async_ends_meet
rendezvous_async_send_trusts_done   verify  loom_async  loom_async_rendezvous_send_async_sees_disconnect
rendezvous_async_cancel_takes_back  verify  loom_async  loom_async_rendezvous_cancelled_send_loses_nothing
rendezvous_async_request_skips_abandon  verify  loom_async  loom_async_rendezvous_dropped_request_loses_nothing
rendezvous_async_request_skips_abandon  verify  loom_async  loom_async_rendezvous_request_dropped_after_send_loses_nothing
condvar_async_cancel_drops_notify  verify  loom_async     loom_async_condvar_cancelled_waiter_passes_notify_on
barrier_cancel_no_bump             verify  loom_async     loom_async_barrier_deferred_cancel_breaks_sleeper
barrier_cancel_skips_recheck       verify  loom_async     loom_async_barrier_deferred_cancel_breaks_sleeper
call_signal_read_late            verify  loom_web_signal          loom_call_signal_completion_wakes_waiter
call_signal_read_late            verify  loom_web_signal          loom_call_signal_death_wakes_waiter
death_unlink_after_publish                verify  loom_web_death           loom_death_after_completion_leaves_the_job_alone
orphan_claim_load_store          verify  loom_web_death           loom_orphan_loop_runs_once
call_signal_read_late            verify  loom_web_signal          loom_call_signal_async_completion_wakes_waiter
call_signal_read_late            verify  loom_web_signal          loom_call_signal_async_death_wakes_waiter
call_signal_checks_waiters_first verify  loom_web_signal          loom_call_signal_completion_wakes_waiter
call_signal_checks_waiters_first verify  loom_web_signal          loom_call_signal_async_completion_wakes_waiter
list_free_unread               verify  loom_channel_list_retire  loom_channel_list_retire_waits_for_slow_reader
list_relaxed_read              verify  loom_channel_list_retire  loom_channel_list_retire_waits_for_slow_reader
fifo_token_before_job            verify  loom_fifo                loom_fifo_tokens_stolen_and_local
cross_pool_parks                 verify  loom_cross_pool          loom_cross_pool_round_trip
cross_latch_skips_wake           verify  loom_cross_pool          loom_cross_pool_wakes_sleeping_owner
in_place_scope_cross_parks       verify  loom_cross_pool          loom_cross_pool_in_place_scope
barrier_action_after_release     verify  loom_barrier             loom_claim_barrier_action_before_release
barrier_reset_skips_wake         verify  loom_barrier             loom_claim_barrier_reset_strands_nobody
once_panic_reset_skips_wake      verify  loom_once                loom_claim_once_panicking_run_lets_next_caller_retry
async_mutex_cancel_swallows_wake verify  loom_async               loom_async_mutex_cancelled_waiter_does_not_strand_thread
mutex_timeout_keeps_waking       verify  loom_mutex               loom_mutex_timed_out_waiter_passes_spent_wake_on
mutex_leaver_skips_wake          verify  loom_mutex               loom_mutex_timed_out_waiter_passes_spent_wake_on
select_try_single_pass           verify  shuttle_select           shuttle_select_try_linearizable_queue
select_try_single_pass           verify  shuttle_select           shuttle_select_try_linearizable_ring
select_try_single_pass           verify  shuttle_select           shuttle_select_try_linearizable_list
lock_version_no_bump             verify  shuttle_select           shuttle_select_try_linearizable_queue
"
# Optional filter: `controls.sh <bug>` runs only that bug's controls.
only=${1:-}
caught=0
missed=()
start=$SECONDS
while read -r bug pkg file model; do
  [ -z "$bug" ] && continue
  [ -n "$only" ] && [ "$bug" != "$only" ] && continue
  checker_env "$file"
  t0=$SECONDS
  # A seeded build that does not compile is a broken control, not a caught bug.
  PORTALIS_SEEDED_BUG=$bug cargo test --release -q -p "portalis-$pkg" --test "$file" --no-run
  log=$(mktemp)
  # The model must FAIL: a loom-reported panic (causality violation, deadlock, assertion). A
# branch-limit abort or a leak report is not the seeded bug being found.
  # --nocapture: a report raised on a pool worker outside any `catch_unwind` aborts the
  # process (the worker loop's abort-on-unwind guard), which drops captured output; uncaptured,
  # the panic message reaches the log before the abort (frame_latch_bound_late does this).
  if PORTALIS_SEEDED_BUG=$bug cargo test --release -q -p "portalis-$pkg" --test "$file" \
       -- --exact "$model" --nocapture >"$log" 2>&1; then
    echo "MISSED  $bug: $file::$model passed with the bug seeded"
    missed+=("$bug:$model")
  elif grep -qE "test result: FAILED|panicked at" "$log" && ! grep -qE "Model exceeded maximum number of branches|Arc leaked" "$log"; then
    # A loom failure sometimes aborts the process (a second panic while unwinding its
    # threads) instead of printing a verdict: the first panic message is the report.
    why=$(grep -m1 -oE "Causality violation|[Dd]eadlock[^.]*|assertion .*failed.*|cannot access a [a-z ]+" "$log" || true)
    [ -z "$why" ] && why=$(grep -m1 -A1 "panicked at" "$log" | tail -1)
    echo "caught  $bug: $file::$model (${why:-failed}; $((SECONDS - t0)) s)"
    caught=$((caught + 1))
  else
    echo "ERROR   $bug: $file::$model did not run to a test verdict:"; tail -20 "$log"
    missed+=("$bug:$model")
  fi
  rm -f "$log"
done <<<"$CONTROLS"
echo "negative controls: $caught caught, ${#missed[@]} missed ($((SECONDS - start)) s)"
[ ${#missed[@]} -eq 0 ]
