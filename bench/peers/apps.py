from django.apps import AppConfig


class PeersConfig(AppConfig):
    name = "bench.peers"
    label = "bench_peers"
    verbose_name = "benchmark peers (not part of jiceng)"
