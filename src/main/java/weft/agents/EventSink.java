package weft.agents;

import weft.events.RunEvent;

/** Where an agent puts what it has to say: in practice its run's log. */
@FunctionalInterface
public interface EventSink {
    void emit(RunEvent event);
}
