namespace N{ class X{} }
