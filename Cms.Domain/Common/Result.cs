using System.Diagnostics.CodeAnalysis;

namespace Cms.Domain.Common;

/// <summary>Lets generic code (pipeline behaviours) build a failed result of any result type.</summary>
public interface IResult<TSelf> where TSelf : IResult<TSelf>
{
    bool IsSuccess { get; }
    Error? Error { get; }
    static abstract TSelf Failure(Error error);
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

    public static implicit operator Result<T>(T value) => new(value);

    public static implicit operator Result<T>(Error error) => new(error);
}
