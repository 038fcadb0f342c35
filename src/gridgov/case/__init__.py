"""Cases (事件): the 数字城管 closed loop routed the Zhejiang "141" way."""
