"""The enterprise-service module (企情记录本, seed 003 衢州; 三服务, seed 001 霞浦; 亩均论英雄): enterprise
appeals with three colours and three levels, key-project lifecycles, per-mu evaluation with A/B/C/D classes."""
