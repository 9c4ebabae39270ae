#!/usr/bin/env bash
# bench/reconcile: 20 services × 2 replicas with sidecars, from a release build.
#   bench/reconcile/run.sh [SERVICES] [CHANGES]   (defaults 20, 20; BIN=path/to/meshctl to skip the build)
# Measures: cold start to every Service Ready and the operator's RSS; for each of CHANGES weight changes, the time
# from `meshctl apply` returning to the split's status reporting every proxy confirmed the new configuration (polled
# every 5 ms on the operator socket, in-process) — first with no traffic (the propagation itself; once with
# `meshctl apply`, once with the API call it makes, so the CLI's own start-up is told apart), then again while
# wrk sends 50 connections through the gateway (the proxies then share the 2 cores with the load), counting failed
# requests during those changes. After the API series it prints the CPU seconds each role spent in it (operator,
# sidecars, gateway, workloads), to tell the operator's share of a change from the proxies'. Everything runs on 127.0.0.1 in a temporary state directory and is stopped at the end.
# UPSTREAMS=K: each svc-I declares `spec.upstreams` (the next K services; one service in ten also `front`), so a
# weight change of `front` reaches only the sidecars of those callers and the gateway (mesh.py declared_upstreams).
# Unset: nothing declared, every sidecar carries (and takes) every change.
source "$(dirname "$0")/common.sh"
services=${1:-20}
changes=${2:-20}
start_mesh "$services"

echo "== weight changes, no traffic (meshctl apply)"
$MESH changes "$state" "$dir/manifests" "$services" "$changes"
echo "== weight changes, no traffic (POST /v1/apply on the operator's socket: the same, without the CLI process)"
$MESH cpu "$state" >"$dir/cpu.json"
$MESH changes "$state" "$dir/manifests" "$services" "$changes" api
echo "during those $changes changes (0.5 s apart, full passes included):"
$MESH cpu "$state" "$dir/cpu.json"
$MESH propagation "$state"
echo "== weight changes under wrk -c50 through the gateway"
wrk_start $((changes + 12))
sleep 2
$MESH changes "$state" "$dir/manifests" "$services" "$changes"
echo "gateway load during the changes (wrk -c50):"
wrk_report || status=1
echo "operator RSS at the end: $(operator_rss)"
exit ${status:-0}
