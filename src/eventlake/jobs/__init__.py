"""Jobs compose: settings -> spark -> read -> transform -> write -> report."""
