// Chapter 6's API server: chapter 5's, unchanged (exec goes to the kubelet, which proxies to the shim's streaming server).
import '../streaming/apiserver.ts';
