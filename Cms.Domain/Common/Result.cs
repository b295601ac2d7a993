using System.Diagnostics.CodeAnalysis;

namespace Cms.Domain.Common;

/// <summary>Lets generic code (pipeline behaviours) build a failed result of any result type.</summary>
public interface IResult<TSelf> where TSelf : IResult<TSelf>
{
    bool IsSuccess { get; }
    Error? Error { get; }
    static abstract TSelf Failure(Error error);

    /// <summary>The type of the success value (null for <see cref="Result"/>), for generic code that keeps an answer to
    /// give it again (the idempotency behaviour).</summary>
    static abstract Type? ValueType { get; }

    /// <summary>The success value, boxed (null for <see cref="Result"/> or a failure).</summary>
    object? SuccessValue { get; }

    /// <summary>A success carrying <paramref name="value"/> (of <see cref="ValueType"/>), as kept by <see cref="SuccessValue"/>.</summary>
    static abstract TSelf FromSuccessValue(object? value);
}

/// <summary>The outcome of an operation with no value.</summary>
public readonly record struct Result : IResult<Result>
{
    private Result(Error? error) => Error = error;

    public Error? Error { get; }

    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    public static Result Success() => default;

    public static Result Failure(Error error) => new(error);

    public static Type? ValueType => null;

    public object? SuccessValue => null;

    public static Result FromSuccessValue(object? value) => default;

    public static implicit operator Result(Error error) => new(error);
}

/// <summary>The outcome of an operation: a value or an expected failure.</summary>
public readonly record struct Result<T> : IResult<Result<T>>
{
    private readonly T? _value;

    private Result(T value)
    {
        _value = value;
        Error = null;
    }

    private Result(Error error)
    {
        _value = default;
        Error = error;
    }

    public Error? Error { get; }

    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    public T Value => IsSuccess ? _value! : throw new InvalidOperationException($"No value: the result failed ({Error.Code}).");

    public static Result<T> Success(T value) => new(value);

    public static Result<T> Failure(Error error) => new(error);

    public static Type? ValueType => typeof(T);

    public object? SuccessValue => IsSuccess ? _value : null;

    public static Result<T> FromSuccessValue(object? value) => new((T)value!);

    public static implicit operator Result<T>(T value) => new(value);

    public static implicit operator Result<T>(Error error) => new(error);
}
